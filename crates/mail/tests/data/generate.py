#!/usr/bin/env python3
"""Writes the test messages in this directory. Deterministic: fixed dates, boundaries and
identifiers, so re-running it reproduces the committed files byte for byte.

Run from this directory: python3 generate.py

Messages are shaped after what real clients send (header sets, MIME structure, encodings)
but every address, name and text is made up. Some are built with Python's `email`
package, some are written out literally where the exact bytes matter (signatures,
injections, broken structure).
"""
import base64
import io
import zipfile
from email import policy
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText


def write(name, data, crlf=False):
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data.replace(b"\r\n", b"\n")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    with open(name, "wb") as f:
        f.write(data)


def as_bytes(msg, crlf=False):
    pol = policy.SMTP if crlf else policy.default
    return msg.as_bytes(policy=pol)


# 1. Thunderbird: multipart/alternative, text/plain format=flowed + text/html, a reply.
write("thunderbird_alternative.eml", """\
Return-Path: <alice@example.net>
Delivered-To: security+k7f3q9zt2m@example.org
Message-ID: <5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net>
Date: Tue, 4 Mar 2025 10:15:42 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: [report #12] XSS in the plugin manager
To: Example Security <security+k7f3q9zt2m@example.org>
References: <embargo.00112233445566778899aabbccddeeff@example.org>
 <embargo.ffeeddccbbaa99887766554433221100@example.org>
In-Reply-To: <embargo.ffeeddccbbaa99887766554433221100@example.org>
From: Alice Example <alice@example.net>
Content-Language: en-US
Content-Type: multipart/alternative;
 boundary="------------Xq0Jd7fW9pL1bH3sK5mN8vC2"

This is a multi-part message in MIME format.
--------------Xq0Jd7fW9pL1bH3sK5mN8vC2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Hi,

the payload is stored in the plugin name and rendered without escaping 
on the plugin manager page, so any user who can upload a plugin can run 
script in an admin's session.

Steps: upload the attached plugin, open Settings → Plugin Manager.

Thanks,
Alice

-- 
Alice Example

--------------Xq0Jd7fW9pL1bH3sK5mN8vC2
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 8bit

<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="content-type" content="text/html; charset=UTF-8">
  </head>
  <body>
    <p>Hi,</p>
    <p>the payload is stored in the plugin name and rendered without escaping on the plugin manager page.</p>
  </body>
</html>

--------------Xq0Jd7fW9pL1bH3sK5mN8vC2--
""", crlf=True)

# 2. Gmail, HTML only (quoted-printable), with a style block, a script, entities and links.
html = """<html><head><style>p { color: red; } .hidden { display: none }</style>
<script>alert("not for us")</script><title>ignored title</title></head>
<body><div dir="ltr">Hello&nbsp;team,<div><br></div>
<div>I found an <b>SSRF</b> in <a href="https://example.org/api/fetch">the fetch endpoint</a> &amp; the
webhook tester: requests to&nbsp;<code>http://169.254.169.254/</code> are not blocked.</div>
<ul><li>Affected: 1.10.2</li><li>Fixed: &#x2014; not yet</li></ul>
<blockquote>quoted line one<br>quoted line two</blockquote>
<a href="javascript:alert(1)">click me</a> and <a href="mailto:bob@example.net">bob@example.net</a>
<!-- a comment with <b>markup</b> --><p>Caf&eacute; &lt;tag&gt; &#169; 2025</p></div></body></html>
"""
msg = EmailMessage()
msg["From"] = "Bob Reporter <bob.reporter@example.net>"
msg["To"] = "security@example.org"
msg["Subject"] = "SSRF in webhook tester"
msg["Date"] = "Wed, 5 Mar 2025 08:01:02 +0000"
msg["Message-ID"] = "<CAB1x2y3z4=gmail-style-id@mail.example.net>"
msg["MIME-Version"] = "1.0"
msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
write("gmail_html_only.eml", as_bytes(msg, crlf=True), crlf=True)

# 3. Outlook: windows-1252 quoted-printable text plus winmail.dat (TNEF).
tnef = b"\x78\x9f\x3e\x22" + bytes(range(0, 200))
write("outlook_winmail.eml", b"""\
Received: from EXCH01.corp.example.com (10.0.0.5) by EXCH02.corp.example.com
 (10.0.0.6) with Microsoft SMTP Server id 15.2.1118.40; Thu, 6 Mar 2025 09:00:00 +0000
From: "Carol O'Reporter" <carol@corp.example.com>
To: "security@example.org" <security@example.org>
Subject: RE: Vulnerability =?windows-1252?Q?=96_path_traversal?=
Thread-Topic: Vulnerability - path traversal
Thread-Index: AdsOZGx1c2VjdXJpdHlAZXhhbXBsZS5vcmc=
Date: Thu, 6 Mar 2025 09:00:00 +0000
Message-ID: <DM6PR01MB1234ABCD@DM6PR01MB1234.namprd01.prod.outlook.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator: <DM6PR01MB1234ABCD@DM6PR01MB1234.namprd01.prod.outlook.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_000_DM6PR01MB1234ABCD_"

--_000_DM6PR01MB1234ABCD_
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

Hello,

the download endpoint accepts =93..\\..\\=94 sequences =96 see the attached=
 details.

Regards,
Carol

--_000_DM6PR01MB1234ABCD_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

""" + base64.encodebytes(tnef) + b"""
--_000_DM6PR01MB1234ABCD_--
""", crlf=True)

# 4. PGP/MIME encrypted (RFC 3156 skeleton; the payload is not real ciphertext).
write("pgp_mime_encrypted.eml", """\
From: Dana <dana@example.net>
To: security@example.org
Subject: ...
Date: Fri, 7 Mar 2025 12:00:00 +0100
Message-ID: <enc-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";
 boundary="------------enc0123456789"

This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)
--------------enc0123456789
Content-Type: application/pgp-encrypted
Content-Description: PGP/MIME version identification

Version: 1

--------------enc0123456789
Content-Type: application/octet-stream; name="encrypted.asc"
Content-Description: OpenPGP encrypted message
Content-Disposition: inline; filename="encrypted.asc"

-----BEGIN PGP MESSAGE-----

hF4DAAAAAAAAAAASAQdAexampleexampleexampleexampleexampleexample
=abcd
-----END PGP MESSAGE-----

--------------enc0123456789--
""")

# 5. PGP/MIME signed: the signed part is itself multipart/mixed with a patch attachment.
write("pgp_mime_signed.eml", """\
From: Erin <erin@example.net>
To: security@example.org
Subject: Signed report: integer overflow in the parser
Date: Sat, 8 Mar 2025 12:00:00 +0100
Message-ID: <signed-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature";
 boundary="------------sigOUTER"

This is an OpenPGP/MIME signed message (RFC 4880 and 3156)
--------------sigOUTER
Content-Type: multipart/mixed; boundary="------------mixINNER"

--------------mixINNER
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

The length field is multiplied without an overflow check.
Patch attached.

--------------mixINNER
Content-Type: text/x-patch; charset=UTF-8; name="fix.patch"
Content-Disposition: attachment; filename="fix.patch"
Content-Transfer-Encoding: 7bit

--- a/parse.c
+++ b/parse.c
@@ -1 +1 @@
-size_t n = len * 4;
+if (len > SIZE_MAX / 4) return -1; size_t n = len * 4;

--------------mixINNER--

--------------sigOUTER
Content-Type: application/pgp-signature; name="OpenPGP_signature.asc"
Content-Description: OpenPGP digital signature
Content-Disposition: attachment; filename="OpenPGP_signature.asc"

-----BEGIN PGP SIGNATURE-----

wnsEABYIACMWIQQexampleexampleexampleexampleexampleBQJn
=wxyz
-----END PGP SIGNATURE-----

--------------sigOUTER--
""")

# 6. Inline PGP: an encrypted block, and a cleartext-signed message.
write("inline_pgp_encrypted.eml", """\
From: Frank <frank@example.net>
To: security@example.org
Subject: encrypted report
Date: Sun, 9 Mar 2025 12:00:00 +0100
Message-ID: <inline-enc@example.net>
Content-Type: text/plain; charset=us-ascii

Please decrypt:

-----BEGIN PGP MESSAGE-----

hQEMAexampleexampleexampleexampleexampleexampleexampleexample
=ABCD
-----END PGP MESSAGE-----
""")
write("inline_pgp_signed.eml", """\
From: Grace <grace@example.net>
To: security@example.org
Subject: signed note
Date: Sun, 9 Mar 2025 13:00:00 +0100
Message-ID: <inline-sig@example.net>
Content-Type: text/plain; charset=utf-8

-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

The reset token is predictable: it is the MD5 of the user id.
-----BEGIN PGP SIGNATURE-----

iHUEARYIAB0WIQexampleexampleexampleexample
=QRST
-----END PGP SIGNATURE-----
""")

# 7. A delivery status notification (RFC 3464) bouncing our acknowledgement.
write("dsn_bounce.eml", """\
Return-Path: <>
Delivered-To: security@example.org
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: security@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 10 Mar 2025 10:00:00 +0000
Message-ID: <20250310100000.ABCDEF@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="DSN.boundary/mx.example.net"

--DSN.boundary/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@example.net>: host mx.example.net said: 550 5.1.1 User unknown

--DSN.boundary/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon, 10 Mar 2025 09:59:58 +0000

Final-Recipient: rfc822; nobody@example.net
Action: failed
Status: 5.1.1

--DSN.boundary/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Example Security <security@example.org>
To: nobody@example.net
Subject: We received your report
X-Embargo-Loop: embargo.example.org

--DSN.boundary/mx.example.net--
""")

# 8. A vacation auto-reply.
write("vacation.eml", """\
Return-Path: <henry@example.net>
From: Henry <henry@example.net>
To: Example Security <security+k7f3q9zt2m@example.org>
Subject: Out of office: We received your report
Date: Tue, 11 Mar 2025 10:00:00 +0000
Message-ID: <vacation-1@example.net>
In-Reply-To: <embargo.ffeeddccbbaa99887766554433221100@example.org>
Auto-Submitted: auto-replied
X-Autoreply: yes
Precedence: bulk
Content-Type: text/plain; charset=utf-8

I am away until 24 March and will read your message when I am back.
""")

# 9. A mailing-list message.
write("mailing_list.eml", """\
Return-Path: <oss-list-bounces+security=example.org@lists.example.com>
From: Ivan <ivan@example.net>
To: oss-list@lists.example.com
Subject: [oss-list] New release of libfoo
Date: Wed, 12 Mar 2025 10:00:00 +0000
Message-ID: <list-1@example.net>
List-Id: Open source discussion <oss-list.lists.example.com>
List-Unsubscribe: <mailto:oss-list-request@lists.example.com?subject=unsubscribe>
List-Post: <mailto:oss-list@lists.example.com>
Precedence: list
Content-Type: text/plain; charset=utf-8

libfoo 2.0 is out.
""")

# 10. Quoted-printable body with soft line breaks and UTF-8 escapes.
write("quoted_printable.eml", """\
From: Judy <judy@example.net>
To: security@example.org
Subject: quoted-printable
Date: Thu, 13 Mar 2025 10:00:00 +0000
Message-ID: <qp-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

The session cookie lacks the Secure flag =E2=80=94 it is sent over plain HTT=
P when the admin follows an http:// link.
Equals sign: a=3Db
""")

# 11. Base64 body.
body = "Reflected XSS in ?q= on the search page.\nPayload: <svg onload=alert(1)>\n"
write("base64_body.eml", """\
From: Ken <ken@example.net>
To: security@example.org
Subject: base64 body
Date: Fri, 14 Mar 2025 10:00:00 +0000
Message-ID: <b64-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

""" + base64.encodebytes(body.encode()).decode())

# 12. ISO-8859-1 8bit body and an ISO-8859-1 encoded-word subject.
write("latin1.eml", b"""\
From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.net>
To: security@example.org
Subject: =?ISO-8859-1?Q?Sicherheitsl=FCcke_im_Login?=
Date: Sat, 15 Mar 2025 10:00:00 +0100
Message-ID: <latin1-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Gr\xfc\xdfe, das Passwortfeld ist nicht gesch\xfctzt. \xa9 Andr\xe9
""")

# 13. An unknown charset.
write("unknown_charset.eml", b"""\
From: Leo <leo@example.net>
To: security@example.org
Subject: unknown charset
Date: Sun, 16 Mar 2025 10:00:00 +0000
Message-ID: <charset-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset="x-klingon-9"
Content-Transfer-Encoding: 8bit

plain ascii then \xff\xfe bytes
""")

# 14. RFC 2047 subjects: B and Q, adjacent encoded words (the space between them goes).
write("rfc2047_subject.eml", """\
From: =?UTF-8?B?5byg5LiJ?= <zhang@example.net>
To: security@example.org
Subject: =?UTF-8?B?5a6J5YWo5ryP5rSe?= =?UTF-8?Q?:_SQL_injection_in_?=
 =?UTF-8?Q?/api/users?=
Date: Mon, 17 Mar 2025 10:00:00 +0800
Message-ID: <rfc2047-1@example.net>
Content-Type: text/plain; charset=utf-8

See subject.
""")

# 15. PoC attachments: .py, .patch and a log sent as application/octet-stream.
outer = MIMEMultipart("mixed", boundary="poc-boundary-1")
outer["From"] = "Mallory Researcher <mallory@example.net>"
outer["To"] = "security@example.org"
outer["Subject"] = "RCE via template injection (PoC attached)"
outer["Date"] = "Tue, 18 Mar 2025 10:00:00 +0000"
outer["Message-ID"] = "<poc-1@example.net>"
outer.attach(MIMEText("Proof of concept, patch and server log attached.\n", "plain", "utf-8"))
py = MIMEText("#!/usr/bin/env python3\nimport requests\nrequests.post('http://localhost:5000/t', data={'x': '{{7*7}}'})\n", "x-python", "utf-8")
py.add_header("Content-Disposition", "attachment", filename="poc.py")
outer.attach(py)
patch = MIMEText("--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-render(user_input)\n+render(escape(user_input))\n", "x-diff", "utf-8")
patch.add_header("Content-Disposition", "attachment", filename="fix.patch")
outer.attach(patch)
steps = MIMEText("1. Log in as any user.\n2. Set your display name to {{7*7}}.\n3. Open the profile page: it shows 49.\n", "plain", "utf-8")
steps.add_header("Content-Disposition", "attachment", filename="steps.txt")
outer.attach(steps)
log = MIMEApplication(b"2025-03-18 10:00:00 ERROR template rendered 49\n", "octet-stream")
log.add_header("Content-Disposition", "attachment", filename="../../etc/server.log")
outer.attach(log)
write("poc_attachments.eml", as_bytes(outer))

FIXED = (2025, 1, 1, 0, 0, 0)  # zip entry timestamps, for reproducible output

# 16. Refused attachments: PDF, DOCX (a real zip), ZIP, EXE (MZ/PE), PNG screenshot.
docx = io.BytesIO()
with zipfile.ZipFile(docx, "w") as z:
    z.writestr(zipfile.ZipInfo("[Content_Types].xml", FIXED), "<Types/>")
    z.writestr(zipfile.ZipInfo("word/document.xml", FIXED), "<w:document/>")
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w") as z:
    z.writestr(zipfile.ZipInfo("exploit/run.sh", FIXED), "#!/bin/sh\necho pwned\n")
exe = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00\x00")
exe += b"\x00" * (0x3C - len(exe)) + b"\x40\x00\x00\x00" + b"PE\x00\x00" + b"\x00" * 32
pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
outer = MIMEMultipart("mixed", boundary="refused-boundary-1")
outer["From"] = "Niaj <niaj@example.net>"
outer["To"] = "security@example.org"
outer["Subject"] = "Report with documents"
outer["Date"] = "Wed, 19 Mar 2025 10:00:00 +0000"
outer["Message-ID"] = "<refused-1@example.net>"
outer.attach(MIMEText("Details are in the attached documents.\n", "plain", "utf-8"))
for data, maintype, subtype, name in [
    (pdf, "application", "pdf", "report.pdf"),
    (docx.getvalue(), "application", "vnd.openxmlformats-officedocument.wordprocessingml.document", "report.docx"),
    (archive.getvalue(), "application", "zip", "exploit.zip"),
    (bytes(exe), "application", "octet-stream", "notes.txt"),
    (png, "image", "png", "screenshot.png"),
]:
    part = MIMEApplication(data, subtype) if maintype == "application" else None
    if part is None:
        from email.mime.image import MIMEImage
        part = MIMEImage(data, subtype)
    part.add_header("Content-Disposition", "attachment", filename=name)
    outer.attach(part)
write("refused_attachments.eml", as_bytes(outer))

# 17. Sixty levels of multipart/mixed nesting, a text part at the bottom.
lines = ["From: Olivia <olivia@example.net>", "To: security@example.org",
         "Subject: deep nesting", "Date: Thu, 20 Mar 2025 10:00:00 +0000",
         "Message-ID: <deep-1@example.net>", "MIME-Version: 1.0"]
lines.append('Content-Type: multipart/mixed; boundary="b0"')
lines.append("")
lines.append("--b0")
lines.append("Content-Type: text/plain")
lines.append("")
lines.append("top level text")
for level in range(1, 60):
    lines.append(f"--b{level-1}")
    lines.append(f'Content-Type: multipart/mixed; boundary="b{level}"')
    lines.append("")
lines.append(f"--b59")
lines.append("Content-Type: text/plain")
lines.append("")
lines.append("text at the bottom")
for level in range(59, -1, -1):
    lines.append(f"--b{level}--")
write("nested_60.eml", "\n".join(lines) + "\n")

# 18. Header injection: an encoded CR LF in the subject we would echo in "Re: ...".
write("crlf_injection.eml", """\
From: Peggy <peggy@example.net>
To: security@example.org
Subject: =?UTF-8?Q?Hello=0D=0ABcc:_victim@example.com=0D=0A=0D=0Ainjected_body?=
Date: Fri, 21 Mar 2025 10:00:00 +0000
Message-ID: <inject-1@example.net>
Content-Type: text/plain; charset=utf-8

Looks harmless.
""")

# 19. Forwarded message (message/rfc822) with a Chinese GBK text part inside.
inner = EmailMessage()
inner["From"] = "Quentin <quentin@example.net>"
inner["To"] = "Rupert <rupert@example.net>"
inner["Subject"] = "Found a bug"
inner["Date"] = "Sat, 22 Mar 2025 09:00:00 +0000"
inner["Message-ID"] = "<inner-1@example.net>"
inner.set_content("越权访问漏洞：普通用户可以读取管理员配置。\n".encode("gbk"), maintype="text", subtype="plain", cte="base64")
inner.replace_header("Content-Type", 'text/plain; charset="gbk"')
outer = MIMEMultipart("mixed", boundary="fwd-boundary-1")
outer["From"] = "Rupert <rupert@example.net>"
outer["To"] = "security@example.org"
outer["Subject"] = "Fwd: Found a bug"
outer["Date"] = "Sat, 22 Mar 2025 10:00:00 +0000"
outer["Message-ID"] = "<fwd-1@example.net>"
outer.attach(MIMEText("Forwarding a report I received.\n", "plain", "utf-8"))
from email.mime.message import MIMEMessage
outer.attach(MIMEMessage(inner))
write("forwarded_gbk.eml", as_bytes(outer))

# 20. HTML mail with an inline signature image (multipart/related) and a plain alternative.
write("related_inline_image.eml", b"""\
From: Sybil <sybil@example.net>
To: security@example.org
Subject: open redirect
Date: Sun, 23 Mar 2025 10:00:00 +0000
Message-ID: <related-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel-1"

--rel-1
Content-Type: multipart/alternative; boundary="alt-1"

--alt-1
Content-Type: text/plain; charset=utf-8

Open redirect at /login?next=//evil.example.
--alt-1
Content-Type: text/html; charset=utf-8

<p>Open redirect at <code>/login?next=//evil.example</code>.</p><img src="cid:logo@sybil">
--alt-1--
--rel-1
Content-Type: image/png; name="logo.png"
Content-ID: <logo@sybil>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

""" + base64.encodebytes(png) + b"""--rel-1--
""")

# 21. S/MIME signed (detached pkcs7 signature part; not a real signature).
write("smime_signed.eml", b"""\
From: Trent <trent@corp.example.com>
To: security@example.org
Subject: S/MIME signed report
Date: Mon, 24 Mar 2025 10:00:00 +0000
Message-ID: <smime-1@corp.example.com>
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;
 boundary="----smime-boundary"

This is an S/MIME signed message

------smime-boundary
Content-Type: text/plain; charset=utf-8

Directory listing is enabled on /backup/.

------smime-boundary
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7s"

""" + base64.encodebytes(b"\x30\x82\x01\x00" + bytes(64)) + b"""
------smime-boundary--
""")

# 22. Malformed MIME: a multipart without boundary, and broken base64 in a part.
write("malformed.eml", """\
From: Uma <uma@example.net>
To: security@example.org
Subject: malformed
Date: Tue, 25 Mar 2025 10:00:00 +0000
Message-ID: <malformed-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed

--nothing
Content-Type: text/plain

text in a multipart that declares no boundary
--nothing--
""")
