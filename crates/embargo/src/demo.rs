//! `embargo serve --demo`: a `demo` project with a realistic policy and a few reports, so a
//! first look at the product shows something. Only seeds an empty database.

use crate::{
    AppState,
    services::{projects, reports},
};
use anyhow::Context;
use domain::report::{ReportInput, ReporterInput, Source};

pub const POLICY: &str = include_str!("../demo/policy.toml");

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if !store::projects::list(&mut *state.db.read().await?)
        .await?
        .is_empty()
    {
        tracing::info!("database not empty: demo data not seeded");
        return Ok(());
    }
    let new = projects::NewProject {
        slug: "demo",
        name: "PrintDesk",
        contact: None,
        policy_toml: Some(POLICY),
    };
    // An administrator who exists already (made with `embargo admin create-user`) is the
    // demo project's maintainer; otherwise the first one, made through the set-up link.
    let admin = match store::accounts::first_admin_email(&mut *state.db.read().await?).await? {
        Some(email) => store::accounts::credentials(&mut *state.db.read().await?, &email)
            .await?
            .map(|(u, _)| u),
        None => None,
    };
    let project = projects::create(state, new, admin.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("demo project: {e}"))?;
    // Its OpenPGP key pair, so reporters can encrypt from the first minute.
    crate::services::signing::project_key(state, &project)
        .await
        .map_err(|e| anyhow::anyhow!("demo project key: {e}"))?;
    let samples = [
        ReportInput {
            title: "Stored XSS via uploaded file name in the file list".into(),
            description: "A file uploaded with the name `<img src=x onerror=alert(document.domain)>.gcode` \
                executes script when any user opens the Files tab, because the name is inserted with innerHTML."
                .into(),
            affected_version: Some("1.11.2".into()),
            reproduction: Some(
                "1. Log in as any user with upload permission.\n2. Upload a file named <img src=x onerror=alert(1)>.gcode\n3. Open the Files tab as another user."
                    .into(),
            ),
            impact: Some("A user with upload permission can run script in an administrator's session.".into()),
            cvss_vector: Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:N".into()),
            reporter: ReporterInput { name: Some("Mara Lind".into()), email: None, credit_as: Some("Mara Lind".into()), credit: Some(domain::report::CreditMode::Name) },
        },
        ReportInput {
            title: "Missing X-Frame-Options header".into(),
            description: "Your login page does not send X-Frame-Options. This is a critical clickjacking \
                vulnerability. Please let me know the bounty amount."
                .into(),
            affected_version: None,
            reproduction: None,
            impact: None,
            cvss_vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
            reporter: ReporterInput { name: Some("sec_hunter".into()), email: None, credit_as: None, credit: None },
        },
        ReportInput {
            title: "Path traversal in the timelapse download endpoint".into(),
            description: "The timelapse download handler joins the requested name to the timelapse folder \
                without normalising it, so `..%2f..%2fconfig.yaml` returns the server configuration including the API key."
                .into(),
            affected_version: Some("1.10.3".into()),
            reproduction: Some("curl -H 'X-Api-Key: <user key>' 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'".into()),
            impact: Some("Any logged-in user can read the configuration and take over the admin API key.".into()),
            cvss_vector: None,
            reporter: ReporterInput { name: None, email: None, credit_as: None, credit: None },
        },
    ];
    for input in samples {
        let target = reports::Target::open(state, "demo")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo project")?;
        reports::submit(state, target, input, Source::Web, None, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo report")?;
    }
    println!("Seeded demo project: {}/p/demo/policy", state.public_url);
    Ok(())
}
