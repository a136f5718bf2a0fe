//! The e-mails Embargo writes. Plain text: it survives every mail client and encrypts well.

use crate::AppState;
use domain::{project::Project, report::Report};
use store::NewEmail;

fn email(
    state: &AppState,
    to: &str,
    subject: String,
    body_text: String,
    report: Option<&Report>,
) -> NewEmail {
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.to_owned(),
        subject,
        body_text,
        report: report.map(|r| r.id),
        created_at: state.now(),
    }
}

/// The receipt a reporter gets when their report is stored.
pub fn receipt(
    state: &AppState,
    project: &Project,
    to: &str,
    number: i64,
    tracking_url: &str,
    report_id: domain::ReportId,
) -> NewEmail {
    let targets = &project.policy.targets;
    let body = format!(
        "Hello,\n\n\
         the maintainers of {name} received your vulnerability report #{number}.\n\
         They aim to acknowledge it within {ack}.\n\n\
         Follow the report, see its status and add information here:\n\n  {tracking_url}\n\n\
         Keep this link private: anyone who has it can read the report.\n\
         Please do not disclose the issue publicly before it is fixed or before the\n\
         disclosure deadline of {disclosure} days.\n\n\
         -- \nSent by Embargo for {name}\n",
        name = project.name,
        ack = targets.day_word(targets.acknowledge_days),
        disclosure = targets.disclosure_days,
    );
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.to_owned(),
        subject: format!("[{}] Report #{number} received", project.name),
        body_text: body,
        report: Some(report_id),
        created_at: state.now(),
    }
}

/// Tells the reporter that a maintainer acknowledged the report.
pub fn acknowledged(
    state: &AppState,
    project: &Project,
    report: &Report,
    to: &str,
    message: Option<&str>,
    tracking_hint: &str,
) -> NewEmail {
    let mut body = format!(
        "Hello,\n\nthe maintainers of {} acknowledged your report #{}: {}.\n",
        project.name, report.number, report.title
    );
    if let Some(m) = message {
        body.push_str("\nTheir message:\n\n");
        for line in m.lines() {
            body.push_str("  ");
            body.push_str(line);
            body.push('\n');
        }
    }
    body.push_str(&format!(
        "\n{tracking_hint}\n\n-- \nSent by Embargo for {}\n",
        project.name
    ));
    email(
        state,
        to,
        format!("[{}] Report #{} acknowledged", project.name, report.number),
        body,
        Some(report),
    )
}

/// Tells the reporter that the maintainers wrote to them.
pub fn new_message(
    state: &AppState,
    project: &Project,
    report: &Report,
    to: &str,
    body: &str,
) -> NewEmail {
    let mut text = format!(
        "Hello,\n\nthe maintainers of {} wrote about your report #{}: {}.\n\n",
        project.name, report.number, report.title
    );
    for line in body.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!(
        "\nReply through the private link you received when you submitted the report.\n\n-- \nSent by Embargo for {}\n",
        project.name
    ));
    email(
        state,
        to,
        format!(
            "[{}] New message on report #{}",
            project.name, report.number
        ),
        text,
        Some(report),
    )
}
