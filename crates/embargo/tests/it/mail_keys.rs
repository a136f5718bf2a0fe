//! Reporters' OpenPGP keys and signed mail, with real GnuPG: signatures on inbound mail are
//! checked (good, tampered, unknown key) and shown on the report page; a key attached to a
//! report or given to the API makes our mail to the reporter PGP/MIME encrypted and signed,
//! and the reporter's gpg reads it.

use super::mail_out::{header, mail_server};
use super::*;

on_each_backend!(signed_mail_is_checked_and_replies_are_encrypted_to_the_reporters_key);
use harness::SmtpSink;
use store::{KeySource, SignatureStatus};

/// Runs gpg in `home` with `stdin`; returns stdout and stderr (the status lines go there).
fn gpg(home: &std::path::Path, args: &[&str], stdin: &[u8]) -> (Vec<u8>, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args([
            "--batch",
            "--no-tty",
            "--quiet",
            "--trust-model",
            "always",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gpg must be installed (Debian package gnupg)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write to gpg");
    let out = child.wait_with_output().expect("gpg");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "gpg {args:?}: {stderr}");
    (out.stdout, stderr)
}

/// A throwaway GnuPG home with an Ed25519/Curve25519 key for `uid`; returns it, the key's
/// fingerprint and its armored public key.
fn reporter(uid: &str) -> (TempDir, String, String) {
    let home = TempDir::new();
    gpg(
        &home.0,
        &["--quick-gen-key", uid, "future-default", "default", "never"],
        b"",
    );
    let (listing, _) = gpg(&home.0, &["--with-colons", "--list-keys"], b"");
    let listing = String::from_utf8(listing).expect("utf-8");
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| f.len() == 40))
        .expect("fingerprint")
        .to_owned();
    let (armored, _) = gpg(&home.0, &["--armor", "--export", &fingerprint], b"");
    (
        home,
        fingerprint,
        String::from_utf8(armored).expect("armored"),
    )
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A PGP/MIME signed message (RFC 3156) by `home`'s key; `tamper` changes the text after
/// signing. `attach` adds the armored key inside the signed part.
fn signed_mail(
    home: &std::path::Path,
    headers: &str,
    text: &str,
    attach: Option<&str>,
    tamper: bool,
) -> String {
    let mut part = format!(
        "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
        crlf(text)
    );
    if let Some(key) = attach {
        part.push_str(&format!(
            "--inner\r\nContent-Type: application/pgp-keys; name=\"key.asc\"\r\n\
             Content-Disposition: attachment; filename=\"key.asc\"\r\n\r\n{}\r\n",
            crlf(key.trim_end())
        ));
    }
    part.push_str("--inner--");
    let (signature, _) = gpg(home, &["--armor", "--detach-sign"], part.as_bytes());
    let signature = crlf(&String::from_utf8(signature).expect("armored"));
    let sent = if tamper {
        part.replace("1.10.3", "1.10.4")
    } else {
        part
    };
    format!(
        "{headers}MIME-Version: 1.0\r\n\
         Content-Type: multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; boundary=\"outer\"\r\n\r\n\
         --outer\r\n{sent}\r\n--outer\r\n\
         Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n{signature}\r\n--outer--\r\n"
    )
}

/// The armored block of a PGP/MIME encrypted message as received (read from the raw
/// message with the same Message-ID: the sink's quoted-printable decoding spoils armor).
fn encrypted_block(smtp: &SmtpSink, received: &str) -> String {
    let id = header(received, "Message-ID").expect("Message-ID");
    let message = smtp
        .raw_messages()
        .into_iter()
        .find(|m| header(m, "Message-ID").as_deref() == Some(id.as_str()))
        .expect("the raw message");
    let start = message
        .find("-----BEGIN PGP MESSAGE-----")
        .expect("an encrypted block");
    let end = message.find("-----END PGP MESSAGE-----").expect("its end") + 25;
    message[start..end].to_owned()
}

async fn signed_mail_is_checked_and_replies_are_encrypted_to_the_reporters_key(backend: Backend) {
    let db = prepared(backend).await;
    let smtp = SmtpSink::start();
    let app = mail_server(db, &smtp).await;
    let http = client();
    let store = app.db.store().await;
    let (home, fingerprint, armored) = reporter("Mara Lind <mara@example.org>");
    let (stranger, stranger_fpr, _) = reporter("Someone <someone@example.net>");
    // The reporter's gpg knows the project's key, to check the signature on our mail.
    let project_key = http
        .get(format!("{}/p/demo/pgp-key.asc", app.url))
        .send()
        .await
        .expect("key")
        .text()
        .await
        .expect("armored");
    gpg(&home.0, &["--import"], project_key.as_bytes());

    // A signed report with the key attached: good signature, key kept for the report.
    let first = signed_mail(
        &home.0,
        "From: Mara Lind <mara@example.org>\r\nTo: security@printdesk.example\r\n\
         Subject: Path traversal\r\nMessage-ID: <signed-1@example.org>\r\n",
        "The timelapse download of 1.10.3 serves ../../config.yaml.",
        Some(&armored),
        false,
    );
    let (code, out, err) = app.cli(&["ingest-mail", "--project", "demo"], &first).await;
    assert_eq!(
        (code, out.trim()),
        (0, "report: report #1, acknowledged"),
        "{err}"
    );
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let report = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports")[0]
        .clone();
    let inbound = store::inbound::of_report(&mut store.read().await.expect("read"), report.id)
        .await
        .expect("inbound");
    let signature = inbound[0].signature.clone().expect("signature checked");
    assert_eq!(signature.status, SignatureStatus::Good, "{signature:?}");
    assert_eq!(signature.key.as_deref(), Some(fingerprint.as_str()));
    let known = store::reporter_keys::of_report(&mut store.read().await.expect("read"), report.id)
        .await
        .expect("keys");
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].fingerprint, fingerprint);
    assert_eq!(known[0].source, KeySource::Attachment);
    assert_eq!(known[0].address.as_deref(), Some("mara@example.org"));

    // The receipt is encrypted to that key and signed by the project's: gpg reads it.
    let receipt = smtp
        .wait("encrypted receipt", |m| m.contains("Report #1 received"))
        .await;
    let content_type = header(&receipt, "Content-Type").expect("Content-Type");
    assert!(
        content_type.starts_with("multipart/encrypted;")
            && content_type.contains("application/pgp-encrypted"),
        "{content_type}"
    );
    assert!(
        !receipt.contains("received your vulnerability report"),
        "no plain text: {receipt}"
    );
    assert_eq!(
        header(&receipt, "In-Reply-To").as_deref(),
        Some("<signed-1@example.org>")
    );
    let (plain, status) = gpg(
        &home.0,
        &["--status-fd", "2", "--decrypt"],
        encrypted_block(&smtp, &receipt).as_bytes(),
    );
    let plain = String::from_utf8(plain).expect("utf-8");
    assert!(
        plain.contains("Content-Type: text/plain; charset=utf-8")
            && harness::decode_quoted_printable(&plain)
                .contains("the maintainers of PrintDesk received your vulnerability report #1"),
        "{plain}"
    );
    let project_fpr = project_key_fingerprint(&home.0);
    assert!(
        status.contains("[GNUPG:] GOODSIG") && status.contains(&format!("VALIDSIG {project_fpr}")),
        "{status}"
    );

    // Replies: signed with the known key (good), changed after signing (bad), and a
    // cleartext signature by a key nobody gave us (unknown key).
    let emails = store::outbox::latest(&mut store.read().await.expect("read"), 10)
        .await
        .expect("outbox");
    let ack = emails
        .iter()
        .find(|e| e.report_id == Some(report.id))
        .expect("receipt");
    let reply_headers = |n: u32| {
        format!(
            "From: mara@example.org\r\nTo: security@printdesk.example\r\nSubject: Re: report\r\n\
             Message-ID: <signed-reply-{n}@example.org>\r\nIn-Reply-To: <{}@embargo>\r\n",
            ack.id
        )
    };
    let good = signed_mail(
        &home.0,
        &reply_headers(2),
        "Also in 1.10.3 on ARM.",
        None,
        false,
    );
    let (code, out, _) = app.cli(&["ingest-mail", "--project", "demo"], &good).await;
    assert_eq!((code, out.trim()), (0, "reply: report #1"));
    let bad = signed_mail(
        &home.0,
        &reply_headers(3),
        "Fixed in 1.10.3? No.",
        None,
        true,
    );
    let (code, out, _) = app.cli(&["ingest-mail", "--project", "demo"], &bad).await;
    assert_eq!((code, out.trim()), (0, "reply: report #1"));
    let (clearsigned, _) = gpg(
        &stranger.0,
        &["--clearsign"],
        b"Please also look at the backup job.\n",
    );
    let unknown = format!(
        "{}Content-Type: text/plain; charset=utf-8\r\n\r\n{}",
        reply_headers(4),
        crlf(&String::from_utf8(clearsigned).expect("text"))
    );
    let (code, out, _) = app
        .cli(&["ingest-mail", "--project", "demo"], &unknown)
        .await;
    assert_eq!((code, out.trim()), (0, "reply: report #1"));
    let checked: Vec<_> =
        store::inbound::of_report(&mut store.read().await.expect("read"), report.id)
            .await
            .expect("inbound")
            .into_iter()
            .map(|i| i.signature.map(|s| (s.status, s.key)))
            .collect();
    assert_eq!(
        checked,
        vec![
            Some((SignatureStatus::Good, Some(fingerprint.clone()))),
            Some((SignatureStatus::Good, Some(fingerprint.clone()))),
            Some((SignatureStatus::Bad, None)),
            Some((SignatureStatus::UnknownKey, Some(stranger_fpr.clone()))),
        ]
    );

    // The maintainer sees each result next to its message.
    sign_in(&http, &app.url).await;
    let page = http
        .get(format!("{}/inbox/demo/reports/1", app.url))
        .send()
        .await
        .expect("report page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("html");
    let good_line = format!("Signed by 0x{fingerprint} — good signature");
    assert_eq!(page.matches(&good_line).count(), 2, "{page}");
    assert!(page.contains("Signed — bad signature:"), "{page}");
    assert!(
        page.contains(&format!("Signed by 0x{stranger_fpr} — unknown key")),
        "{page}"
    );
    assert!(
        page.contains(&format!("<code>0x{fingerprint}</code> (attachment)")),
        "{page}"
    );

    // The API takes a key with the report; a bad one is refused naming the field.
    let (api_home, api_fpr, api_armored) = reporter("Ada <ada@example.org>");
    gpg(&api_home.0, &["--import"], project_key.as_bytes());
    let mut body = sample_report("Key by API");
    body["reporter"]["email"] = "ada@example.org".into();
    body["reporter"]["pgp_key"] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n".into();
    let res = http
        .post(format!("{}/api/v1/projects/demo/reports", app.url))
        .json(&body)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 422);
    let error: serde_json::Value = res.json().await.expect("json");
    assert_eq!(error["error"]["field"], "reporter.pgp_key", "{error}");
    body["reporter"]["pgp_key"] = api_armored.into();
    let res = http
        .post(format!("{}/api/v1/projects/demo/reports", app.url))
        .json(&body)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.expect("json");
    let id: domain::ReportId = created["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("report id");
    let keys = store::reporter_keys::of_report(&mut store.read().await.expect("read"), id)
        .await
        .expect("keys");
    assert_eq!(
        keys.iter()
            .map(|k| (k.fingerprint.clone(), k.source))
            .collect::<Vec<_>>(),
        vec![(api_fpr, KeySource::Form)]
    );
    let number = created["number"].as_i64().expect("number");
    let receipt = smtp
        .wait("receipt to ada", |m| {
            m.contains(&format!("Report #{number} received"))
        })
        .await;
    let (plain, _) = gpg(
        &api_home.0,
        &["--decrypt"],
        encrypted_block(&smtp, &receipt).as_bytes(),
    );
    assert!(
        harness::decode_quoted_printable(&String::from_utf8(plain).expect("utf-8"))
            .contains("/track/"),
        "the tracking link is inside the encryption"
    );
    assert!(!receipt.contains("/track/"), "{receipt}");

    // The web form takes a key too (a fresh client: the form's own CSRF cookie).
    let (_, form_fpr, form_armored) = reporter("Bo <bo@example.org>");
    let web = client();
    let html = web
        .get(format!("{}/p/demo/report", app.url))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    assert!(html.contains("name=\"pgp_key\""), "{html}");
    let csrf = harness::hidden_field(&html, "csrf_token");
    let res = web
        .post(format!("{}/p/demo/report", app.url))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Key by form"),
            (
                "description",
                "The upload dialog runs scripts in file names.",
            ),
            ("reporter_email", "bo@example.org"),
            ("pgp_key", form_armored.as_str()),
        ])
        .send()
        .await
        .expect("submit form");
    assert_eq!(res.status(), 303);
    let newest = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    let by_form = newest
        .iter()
        .find(|r| r.title == "Key by form")
        .expect("stored");
    assert_eq!(
        store::reporter_keys::of_report(&mut store.read().await.expect("read"), by_form.id)
            .await
            .expect("keys")
            .iter()
            .map(|k| (k.fingerprint.clone(), k.source))
            .collect::<Vec<_>>(),
        vec![(form_fpr, KeySource::Form)]
    );

    // Mail that carries its key in an Autocrypt header and is signed with it: the key is
    // kept (signed_mail) and the signature is good.
    let (cy_home, cy_fpr, _) = reporter("Cy <cy@example.org>");
    let (binary, _) = gpg(&cy_home.0, &["--export", &cy_fpr], b"");
    let keydata = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(binary)
    };
    let folded: Vec<String> = keydata
        .as_bytes()
        .chunks(72)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let autocrypt = signed_mail(
        &cy_home.0,
        &format!(
            "From: Cy <cy@example.org>\r\nTo: security@printdesk.example\r\n\
             Subject: CSRF in settings\r\nMessage-ID: <cy-1@example.org>\r\n\
             Autocrypt: addr=cy@example.org; keydata=\r\n {}\r\n",
            folded.join("\r\n ")
        ),
        "The settings form accepts cross-site posts.",
        None,
        false,
    );
    let (code, out, err) = app
        .cli(&["ingest-mail", "--project", "demo"], &autocrypt)
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().ends_with("acknowledged"), "{out}");
    let cy_report = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports")
        .into_iter()
        .find(|r| r.title == "CSRF in settings")
        .expect("stored");
    let checked = store::inbound::of_report(&mut store.read().await.expect("read"), cy_report.id)
        .await
        .expect("inbound");
    assert_eq!(
        checked[0]
            .signature
            .as_ref()
            .map(|s| (s.status, s.key.clone())),
        Some((SignatureStatus::Good, Some(cy_fpr.clone())))
    );
    assert_eq!(
        store::reporter_keys::of_report(&mut store.read().await.expect("read"), cy_report.id)
            .await
            .expect("keys")
            .iter()
            .map(|k| (k.fingerprint.clone(), k.source))
            .collect::<Vec<_>>(),
        vec![(cy_fpr, KeySource::SignedMail)]
    );
    store.close().await;
    app.stop().await.expect("graceful stop");
}

fn project_key_fingerprint(home: &std::path::Path) -> String {
    let (listing, _) = gpg(
        home,
        &["--with-colons", "--list-keys", "security@printdesk.example"],
        b"",
    );
    String::from_utf8(listing)
        .expect("utf-8")
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| f.len() == 40))
        .expect("project key fingerprint")
        .to_owned()
}
