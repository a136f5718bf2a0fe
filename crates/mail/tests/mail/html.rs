//! The HTML-to-text converter on its own.

use mail::html_to_text;

#[test]
fn script_style_head_template_and_comments_are_dropped() {
    let html = "<html><head><title>T</title><style>b{}</style></head><body>\
        <script type=\"text/javascript\">var x = '<p>no</p>';</script>\
        <template><p>hidden</p></template><!-- <p>comment</p> -->\
        <noscript>enable js</noscript><p>kept</p></body></html>";
    assert_eq!(html_to_text(html), "kept");
}

#[test]
fn an_unclosed_script_swallows_the_rest_but_an_unclosed_head_does_not() {
    assert_eq!(html_to_text("before<script>evil() <p>after"), "before");
    assert_eq!(
        html_to_text("<head><meta charset=utf-8><p>body text"),
        "body text"
    );
}

#[test]
fn entities_are_decoded() {
    assert_eq!(
        html_to_text("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#x41;&#66; &euro;&nbsp;5"),
        "a & b <c> \"d\" 'e' AB € 5"
    );
    // Unknown names and bare ampersands stay as written; invalid numbers become U+FFFD.
    assert_eq!(
        html_to_text("&bogus; AT&T &#0; &#x110000;"),
        "&bogus; AT&T \u{FFFD} \u{FFFD}"
    );
}

#[test]
fn links_keep_safe_targets_as_text() {
    assert_eq!(
        html_to_text("<a href=\"https://example.org/x?a=1&amp;b=2\">the advisory</a>"),
        "the advisory <https://example.org/x?a=1&b=2>"
    );
    assert_eq!(
        html_to_text("<a href='https://example.org/'>https://example.org/</a>"),
        "https://example.org/"
    );
    assert_eq!(html_to_text("<a href=\"JavaScript:alert(1)\">x</a>"), "x");
    assert_eq!(html_to_text("<a href=\"data:text/html,<b>\">y</a>"), "y");
}

#[test]
fn blocks_lists_quotes_and_pre_are_laid_out() {
    let html = "<h1>Title</h1><p>one\n   two</p><ul><li>a</li><li>b</li></ul>\
        <blockquote><p>q1</p><p>q2</p></blockquote><pre>  x = 1\n  y = 2</pre>tail<br>next<hr>end";
    assert_eq!(
        html_to_text(html),
        "Title\n\none two\n\n- a\n- b\n\n> q1\n\n> q2\n\n  x = 1\n  y = 2\n\ntail\nnext\n----\nend"
    );
}

#[test]
fn images_show_their_alt_text() {
    assert_eq!(
        html_to_text("see <img src=\"cid:x\" alt=\"stack trace\"> and <img src=x>"),
        "see [image: stack trace] and"
    );
}

#[test]
fn broken_markup_degrades_to_text() {
    assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
    assert_eq!(html_to_text("<p class=\"unterminated>text"), "");
    assert_eq!(html_to_text("<<b>>bold<</b>>"), "<>bold<>");
    assert_eq!(html_to_text("<![CDATA[raw <b>]]> done"), "raw <b> done");
    // Found by the fuzzer: a value without a name, followed by a multi-byte character.
    assert_eq!(html_to_text("<p =\"a\"€>text"), "text");
    assert_eq!(
        html_to_text("<a href=x =\"é\"é=\"\" title='t'>link</a>"),
        "link"
    );
}
