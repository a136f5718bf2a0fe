//! The SMTP/LMTP listener of `embargo serve` (`[mail_in]`): the network side of the
//! dialogue that [`mail::smtp`] speaks. Each recipient is checked as it is given — a
//! project's `mailto:` contact or a report's reply address in effect is accepted, anything
//! else refused with 550, so the listener relays nothing — and each message is handed to
//! [`services::inbound::ingest`], which stores it as it arrived before reading it. When the
//! database cannot be reached the client is told 451, so its MTA tries again later.

use crate::{
    AppState,
    services::{self, ServiceError, inbound::Addressee},
};
use mail::smtp::{Envelope, LineBuffer, Reply, Session, SessionConfig, Step};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt, BufWriter},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
    task::JoinSet,
};

/// How long a stopping server lets open dialogues finish.
const DRAIN: Duration = Duration::from_secs(10);

/// Accepts connections until `stop` turns true, then lets open ones finish for a while.
pub async fn serve(state: AppState, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(state.config.mail_in.max_connections));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let state = state.clone();
                    match slots.clone().try_acquire_owned() {
                        Ok(permit) => {
                            connections.spawn(async move {
                                connection(&state, stream, peer).await;
                                drop(permit);
                            });
                        }
                        Err(_) => {
                            connections.spawn(busy(stream));
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a mail connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stop.changed() => break,
        }
    }
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

/// Too many connections: say so and close (RFC 5321 §3.8).
async fn busy(mut stream: TcpStream) {
    let reply = Reply::new(421, "4.3.2 Too busy, try again later");
    let _ = stream.write_all(reply.render().as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// One client's dialogue.
async fn connection(state: &AppState, stream: TcpStream, peer: SocketAddr) {
    let settings = &state.config.mail_in;
    let protocol = settings.protocol();
    let mut session = Session::new(SessionConfig {
        protocol,
        hostname: settings.hostname().to_owned(),
        max_message_bytes: settings.max_message_bytes,
        max_recipients: settings.max_recipients,
    });
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::new(writer);
    let mut lines = LineBuffer::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // The project of the current transaction: one message goes to one project.
    let mut project: Option<domain::ProjectId> = None;
    if write(&mut writer, &[session.greeting()]).await.is_err() {
        return;
    }
    loop {
        while let Some(line) = lines.next_line(session.max_line()) {
            let replies = match session.line(&line.text, line.too_long) {
                Step::Say(replies) => replies,
                Step::Recipient(address) => {
                    if session.recipients().is_empty() {
                        project = None;
                    }
                    let refusal =
                        recipient(state, &address, &mut project, peer, session.sender()).await;
                    vec![session.recipient(refusal)]
                }
                Step::Deliver(envelope) => {
                    let helo = session.client_name().to_owned();
                    let reply = deliver(state, envelope, protocol, peer, &helo).await;
                    project = None;
                    session.delivered(reply)
                }
                Step::Close(reply) => {
                    let _ = write(&mut writer, &[reply]).await;
                    let _ = writer.shutdown().await;
                    return;
                }
            };
            if !replies.is_empty() && write(&mut writer, &replies).await.is_err() {
                return;
            }
        }
        let read = tokio::time::timeout(timeout, reader.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(n)) => lines.push(&chunk[..n]),
            Err(_) => {
                let reply = Reply::new(421, "4.4.2 Timeout, closing");
                let _ = write(&mut writer, &[reply]).await;
                let _ = writer.shutdown().await;
                return;
            }
        }
    }
}

async fn write(
    writer: &mut BufWriter<tokio::net::tcp::OwnedWriteHalf>,
    replies: &[Reply],
) -> std::io::Result<()> {
    for r in replies {
        writer.write_all(r.render().as_bytes()).await?;
    }
    writer.flush().await
}

/// Accepts (`None`) or refuses one recipient; keeps the transaction to one project. A new
/// report (to a project's contact) over the rate limits of its sender, mail server or
/// project is deferred with 451 4.7.1: the sending MTA tries again later.
async fn recipient(
    state: &AppState,
    address: &str,
    project: &mut Option<domain::ProjectId>,
    peer: SocketAddr,
    sender: &str,
) -> Option<Reply> {
    let who = match services::projects::for_addresses(state, &[address]).await {
        Ok(projects) => services::inbound::addressee(state, &projects, address).await,
        Err(e) => Err(e),
    };
    let who = match who {
        Ok(who) => who,
        Err(e) => {
            tracing::error!(error = %e, "cannot check a mail recipient");
            return Some(Reply::new(451, "4.3.0 Temporary failure, try again later"));
        }
    };
    if let Addressee::Project(p) = &who
        && project.is_none()
        && let Err(denied) = state.limits.mail(peer.ip(), p.slug.as_str(), Some(sender))
    {
        tracing::warn!(peer = %peer.ip(), project = %p.slug.as_str(), "mail refused by its rate limit");
        return Some(Reply::new(
            451,
            format!(
                "4.7.1 Too many messages from you; try again in {}",
                denied.wait_text()
            ),
        ));
    }
    let found = match &who {
        Addressee::Project(p) | Addressee::Report(p, _) => p.id,
        Addressee::DeadReplyAddress(_) => {
            return Some(Reply::new(
                550,
                "5.1.1 This reply address is no longer in use",
            ));
        }
        Addressee::Unknown => {
            return Some(Reply::new(550, "5.1.1 No such recipient here"));
        }
    };
    match project {
        Some(id) if *id != found => Some(Reply::new(
            452,
            "4.5.3 One project per message: send to this recipient separately",
        )),
        _ => {
            *project = Some(found);
            None
        }
    }
}

/// Files one message; the reply for its final dot.
async fn deliver(
    state: &AppState,
    envelope: Envelope,
    protocol: mail::smtp::Protocol,
    peer: SocketAddr,
    helo: &str,
) -> Reply {
    let raw = with_trace_fields(state, &envelope, protocol, peer, helo);
    match services::inbound::ingest(state, &raw, None, &envelope.recipients).await {
        Ok(done) => Reply::new(250, format!("2.0.0 Stored as {}", done.id)),
        Err(ServiceError::Internal(e)) => {
            tracing::error!(error = %e, "cannot store inbound mail");
            Reply::new(451, "4.3.0 Temporary failure, try again later")
        }
        Err(ServiceError::Invalid(e)) => Reply::new(552, format!("5.3.4 {e}")),
        Err(ServiceError::NotFound(_)) => Reply::new(550, "5.1.1 No such recipient here"),
        Err(e) => {
            tracing::warn!(error = %e, "inbound mail refused");
            Reply::new(554, "5.6.0 Message refused")
        }
    }
}

/// The message with the trace fields of final delivery in front (RFC 5321 §4.4):
/// `Return-Path` (the envelope sender, which tells a bounce apart) and `Received`.
fn with_trace_fields(
    state: &AppState,
    envelope: &Envelope,
    protocol: mail::smtp::Protocol,
    peer: SocketAddr,
    helo: &str,
) -> Vec<u8> {
    let helo: String = helo
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(100)
        .collect();
    let from: String = envelope.from.chars().filter(|c| !c.is_control()).collect();
    let date = state.now().strftime("%a, %d %b %Y %H:%M:%S +0000");
    let mut raw = format!(
        "Return-Path: <{from}>\r\nReceived: from {helo} ([{}])\r\n\tby {} with {}; {date}\r\n",
        peer.ip(),
        state.config.mail_in.hostname(),
        match protocol {
            mail::smtp::Protocol::Smtp => "ESMTP",
            mail::smtp::Protocol::Lmtp => "LMTP",
        },
    )
    .into_bytes();
    raw.extend_from_slice(&envelope.data);
    raw
}
