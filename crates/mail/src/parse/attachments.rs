//! Leaf parts that are not body text: encrypted payloads, kept text attachments and
//! refused ones.

use mail_parser::{MessagePart, MimeHeaders};

use super::text::armored_block;
use super::walk::{Data, Walker, is_attachment_disposition};
use crate::attachment::{
    bytes_to_text, classify, default_extension, looks_textual, sanitize_filename,
};
use crate::message::{
    AttachmentRefusal, Encrypted, EncryptionKind, Problem, RefusedAttachment, TextAttachment,
};

impl Walker<'_> {
    pub(super) fn binary(&mut self, part: &MessagePart<'_>, ct: &str, bytes: &[u8], related: bool) {
        if matches!(ct, "application/pkcs7-mime" | "application/x-pkcs7-mime") {
            if self.content.encryption.is_none() {
                self.content.encryption = Some(Encrypted {
                    kind: EncryptionKind::Smime,
                    payload: bytes.to_vec(),
                });
            }
            return;
        }
        let filename = part.attachment_name();
        if ct.starts_with("multipart/") {
            // mail-parser leaves a multipart without a boundary as bytes: read it as text.
            self.problem(Problem::MultipartWithoutBoundary {
                content_type: ct.to_owned(),
            });
            if filename.is_none() && !is_attachment_disposition(part) {
                self.body_text(&String::from_utf8_lossy(bytes), false, false, false);
                return;
            }
        }
        self.attachment(part, ct, filename, Data::Bytes(bytes), related);
    }

    pub(super) fn attachment(
        &mut self,
        part: &MessagePart<'_>,
        ct: &str,
        filename: Option<&str>,
        data: Data<'_>,
        related: bool,
    ) {
        let name = filename.and_then(sanitize_filename);
        let bytes = match data {
            Data::Text(t) => t.as_bytes(),
            Data::Bytes(b) => b,
        };
        let size = bytes.len();
        let embedded_image =
            related || (part.content_id().is_some() && !is_attachment_disposition(part));
        let refuse = |reason: AttachmentRefusal| RefusedAttachment {
            filename: name.clone(),
            content_type: ct.to_owned(),
            size,
            reason,
            inline_resource: reason == AttachmentRefusal::Image && embedded_image,
        };
        if let Some(kind) = classify(ct, name.as_deref(), bytes) {
            self.content.refused.push(refuse(kind));
            return;
        }
        if size > self.limits.max_attachment_bytes {
            self.content
                .refused
                .push(refuse(AttachmentRefusal::TooLarge {
                    limit: self.limits.max_attachment_bytes,
                }));
            return;
        }
        let text = match data {
            Data::Text(t) => looks_textual(t).then(|| t.to_owned()),
            Data::Bytes(b) => match bytes_to_text(b, name.as_deref()) {
                Some((text, guessed)) => {
                    if guessed {
                        self.problem(Problem::GuessedCharset {
                            filename: name.clone().unwrap_or_default(),
                        });
                    }
                    Some(text)
                }
                None => None,
            },
        };
        let Some(text) = text else {
            self.content.refused.push(refuse(AttachmentRefusal::Binary));
            return;
        };
        if self.kept >= self.limits.max_attachments {
            self.content
                .refused
                .push(refuse(AttachmentRefusal::TooMany {
                    limit: self.limits.max_attachments,
                }));
            return;
        }
        self.kept += 1;
        if self.content.encryption.is_none()
            && let Some(block) = armored_block(&text, "PGP MESSAGE")
        {
            self.content.encryption = Some(Encrypted {
                kind: EncryptionKind::PgpInline,
                payload: block.as_bytes().to_vec(),
            });
        }
        let filename = name.unwrap_or_else(|| {
            self.unnamed += 1;
            format!("attachment-{}{}", self.unnamed, default_extension(ct))
        });
        self.content.attachments.push(TextAttachment {
            filename,
            content_type: ct.to_owned(),
            text,
            size,
        });
    }
}
