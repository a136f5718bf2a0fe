//! The `embargo` command line (DESIGN.md §5). Exit codes: 0 success, 1 invalid input,
//! 2 usage error.

pub mod advisory;
pub mod advisory_import;
pub mod cvss;
pub mod securitytxt;
pub mod triage;
pub mod triage_eval;

use crate::{
    AppState, Application,
    app::{open_store, shutdown_signal},
    config::{Config, Overrides},
    services::{self, ServiceError},
};
use clap::{Args, Parser, Subcommand};
use std::{io::Read, path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Debug, Parser)]
#[command(
    name = "embargo",
    version,
    about = "A self-hosted vulnerability-disclosure desk for open-source maintainers"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080; env EMBARGO_BIND]
        #[arg(long)]
        bind: Option<String>,
        /// Seed a `demo` project with sample reports when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// File one RFC 5322 message from stdin (for an MTA pipe): a new report, or a reply on the
    /// thread of the report it answers. The message is stored as it arrived first.
    /// Exit status: 0 filed or kept, 1 refused (too large, no such project), 75 try again
    /// later (the database could not be reached).
    IngestMail {
        #[command(flatten)]
        db: DbArgs,
        /// The project the message is for; without it, the project whose policy lists a
        /// recipient as a mailto: contact.
        #[arg(long, value_name = "SLUG")]
        project: Option<String>,
        /// An envelope recipient (the MTA's $RECIPIENT or ${original_recipient}); may be
        /// repeated. A report's reply address threads the message into that report.
        #[arg(long, value_name = "ADDR")]
        recipient: Vec<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Accounts and tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Users: disable an account.
    #[command(subcommand)]
    User(UserCommand),
    /// Projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Parse, validate, score and explain CVSS vectors (2.0, 3.0, 3.1, 4.0).
    Cvss(cvss::Args),
    /// security.txt (RFC 9116) tools.
    #[command(subcommand)]
    Securitytxt(securitytxt::Command),
    /// Advisory formats: OSV, CVE JSON 5, CSAF 2.0.
    #[command(subcommand)]
    Advisory(advisory::Command),
    /// Triage reports: evidence-backed findings and a verdict (advice; people decide).
    Triage(triage::Args),
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Configuration file [default: ./embargo.toml if present; env EMBARGO_CONFIG]
    #[arg(long)]
    config: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://…` [env EMBARGO_DATABASE_URL]
    #[arg(long)]
    database_url: Option<String>,
    /// Directory of the default SQLite database [default: ./embargo-data; env EMBARGO_DATA_DIR]
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl DbArgs {
    fn overrides(&self, bind: Option<String>) -> Overrides {
        Overrides {
            config: self.config.clone(),
            bind,
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Check the hash chain of the audit log; names the first broken link (exit 1).
    VerifyAudit {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the user an instance administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print a new API token for `Authorization: Bearer` (only its hash is stored).
    CreateToken {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Disable a user: they cannot sign in, and their sessions and API tokens stop working
    /// at once (audited `user.disable`).
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum ProjectCommand {
    /// Create a project, optionally with its policy from a TOML file.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Security contact URI (`mailto:` or `https:`), added to the policy's contacts.
        #[arg(long)]
        contact: String,
        /// Policy file (TOML; `crates/embargo/demo/policy.toml` shows every key).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Make this user (by e-mail) the project's first maintainer.
        #[arg(long)]
        maintainer: Option<String>,
    },
    /// Give a user (by e-mail) a role in a project — `maintainer` or `triager` — or remove
    /// them with `none`. Audited.
    Member {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        email: String,
        /// `maintainer`, `triager` or `none`.
        #[arg(long)]
        role: String,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn with_stdio(
    f: impl FnOnce(
        &mut dyn std::io::BufRead,
        &mut dyn std::io::Write,
        &mut dyn std::io::Write,
    ) -> ExitCode,
) -> ExitCode {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    f(&mut input, &mut out, &mut err)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMBARGO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// A short-lived state for commands that act on the database without serving.
/// sysexits.h: a temporary failure, so a mail transfer agent tries again later.
const EX_TEMPFAIL: u8 = 75;

async fn offline_state(config: Config) -> anyhow::Result<AppState> {
    let store = open_store(&config).await?;
    let public_url = if config.public_url.is_empty() {
        format!("http://{}", config.bind)
    } else {
        config.public_url.clone()
    };
    AppState::new(
        store,
        Arc::new(domain::clock::SystemClock),
        config,
        public_url,
    )
}

/// Prints a service error the way a script can use it; exit code 1.
fn invalid(e: ServiceError) -> anyhow::Result<ExitCode> {
    match e {
        ServiceError::Invalid(errors) => {
            for f in &errors.0 {
                eprintln!("error: {}: {}", f.field.replace('_', "-"), f.message);
            }
            Ok(ExitCode::from(1))
        }
        ServiceError::Internal(e) => Err(e),
        other => {
            eprintln!("error: {other}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        // The offline tools need no database.
        Command::Cvss(args) => Ok(with_stdio(|i, o, e| cvss::run(args, i, o, e))),
        Command::Securitytxt(command) => {
            let client = crate::fetch::http_client()?;
            let handle = tokio::runtime::Handle::current();
            let mut fetch = |url: &str| handle.block_on(crate::fetch::fetch(&client, url));
            Ok(tokio::task::block_in_place(|| {
                with_stdio(|i, o, e| {
                    securitytxt::run_with_fetcher(command, Some(&mut fetch), i, o, e)
                })
            }))
        }
        Command::Advisory(advisory::Command::Import(args)) => advisory_import::main(args).await,
        Command::Advisory(command) => Ok(with_stdio(|i, o, e| advisory::run(command, i, o, e))),
        Command::Triage(args) => Ok(with_stdio(|i, o, e| triage::run(args, i, o, e))),
        Command::Serve { db, bind, demo } => {
            let config = Config::load(&db.overrides(bind))?;
            init_logging(&config);
            let app = Application::build(config, demo).await?;
            app.run_until(shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::IngestMail {
            db,
            project,
            recipient,
        } => {
            let config = Config::load(&db.overrides(None))?;
            let limit = mail::Limits::default().max_message_bytes;
            let mut raw = Vec::new();
            // One byte more than accepted, so an oversized message is refused by size.
            let mut stdin = std::io::stdin();
            (&mut stdin)
                .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
                .read_to_end(&mut raw)?;
            // The rest of an oversized message is counted, not kept: the MTA sees it read.
            let rest = std::io::copy(&mut stdin, &mut std::io::sink())?;
            let size = raw
                .len()
                .saturating_add(usize::try_from(rest).unwrap_or(usize::MAX));
            let state = match offline_state(config).await {
                Ok(state) => state,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return Ok(ExitCode::from(EX_TEMPFAIL));
                }
            };
            match services::inbound::ingest_sized(
                &state,
                &raw,
                size,
                project.as_deref(),
                &recipient,
            )
            .await
            {
                Ok(done) => {
                    match done.report {
                        Some((_, number)) => println!(
                            "{}: report #{number}{}",
                            done.disposition.as_str(),
                            if done.acknowledged {
                                ", acknowledged"
                            } else {
                                ""
                            }
                        ),
                        None => println!("{}: kept for the maintainers", done.disposition.as_str()),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(ServiceError::Internal(e)) => {
                    eprintln!("error: {e:#}");
                    Ok(ExitCode::from(EX_TEMPFAIL))
                }
                Err(e) => invalid(e),
            }
        }
        Command::Migrate { db } => {
            let config = Config::load(&db.overrides(None))?;
            let store = open_store(&config).await?;
            println!("database is up to date ({})", store.dialect().name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::CreateUser {
            db,
            email,
            name,
            admin,
            password_stdin: _,
        }) => {
            let config = Config::load(&db.overrides(None))?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.strip_suffix('\n').unwrap_or(&password);
            let password = password.strip_suffix('\r').unwrap_or(password);
            let state = offline_state(config).await?;
            let account = services::accounts::NewAccount {
                email: &email,
                name: &name,
                password,
                is_admin: admin,
            };
            match services::accounts::create_user(&state, account).await {
                Ok(user) => {
                    println!(
                        "created {} ({}){}",
                        user.email.as_str(),
                        user.id,
                        if user.is_admin { ", administrator" } else { "" }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => invalid(e),
            }
        }
        Command::Admin(AdminCommand::VerifyAudit { db }) => {
            let config = Config::load(&db.overrides(None))?;
            let store = open_store(&config).await?;
            let mut verifier = domain::audit::Verifier::new();
            // The head is read first: events appended while the log is read only extend it.
            let (head_seq, head_hash) = store::audit::head(&mut *store.read().await?).await?;
            let mut after = 0i64;
            let mut at_head = None;
            loop {
                let page = store::audit::events(&mut *store.read().await?, after, 1000).await?;
                let Some(last) = page.last() else { break };
                after = i64::try_from(last.seq).unwrap_or(i64::MAX);
                for event in &page {
                    if let Err(broken) = verifier.push(event) {
                        eprintln!(
                            "audit log broken at event {}: {}",
                            broken.seq, broken.reason
                        );
                        return Ok(ExitCode::from(1));
                    }
                    if i64::try_from(event.seq).ok() == Some(head_seq) {
                        at_head = Some(event.hash.clone());
                    }
                }
            }
            if head_seq > 0 && at_head.as_deref() != Some(head_hash.as_str()) {
                eprintln!(
                    "audit log broken at its end: the stored head is event {head_seq}, but {}",
                    if at_head.is_some() {
                        "that event's hash differs from the head's".to_owned()
                    } else {
                        format!("the log ends at event {after} (events deleted)")
                    }
                );
                return Ok(ExitCode::from(1));
            }
            println!(
                "audit log intact: {} events, head {}",
                verifier.checked(),
                verifier.head()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::CreateToken { db, email, name }) => {
            let config = Config::load(&db.overrides(None))?;
            let state = offline_state(config).await?;
            match services::accounts::create_api_token(&state, &email, &name).await {
                Ok(token) => {
                    println!("{token}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => invalid(e),
            }
        }
        Command::User(UserCommand::Disable { db, email }) => {
            let config = Config::load(&db.overrides(None))?;
            let state = offline_state(config).await?;
            match services::accounts::disable_user(&state, &email, "cli".into()).await {
                Ok(true) => {
                    println!("disabled {}", email.trim());
                    Ok(ExitCode::SUCCESS)
                }
                Ok(false) => {
                    println!("{} was disabled already", email.trim());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => invalid(e),
            }
        }
        Command::Project(ProjectCommand::Member {
            db,
            slug,
            email,
            role,
        }) => {
            let role = match role.as_str() {
                "none" => None,
                other => match domain::account::ProjectRole::parse(other) {
                    Some(r) => Some(r),
                    None => {
                        return invalid(ServiceError::field(
                            "role",
                            "must be maintainer, triager or none",
                        ));
                    }
                },
            };
            let config = Config::load(&db.overrides(None))?;
            let state = offline_state(config).await?;
            match services::projects::set_member(&state, &slug, &email, role, "cli").await {
                Ok(before) => {
                    println!(
                        "{email}: {} → {} in {slug}",
                        before.map_or("none", domain::account::ProjectRole::as_str),
                        role.map_or("none", domain::account::ProjectRole::as_str)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => invalid(e),
            }
        }
        Command::Project(ProjectCommand::Create {
            db,
            slug,
            name,
            contact,
            policy,
            maintainer,
        }) => {
            let config = Config::load(&db.overrides(None))?;
            let policy_text = match &policy {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
                ),
                None => None,
            };
            let state = offline_state(config).await?;
            let owner = match &maintainer {
                Some(email) => {
                    match store::accounts::credentials(&mut *state.db.read().await?, email).await? {
                        Some((user, _)) => Some(user),
                        None => {
                            return invalid(ServiceError::field(
                                "maintainer",
                                "no user has this address",
                            ));
                        }
                    }
                }
                None => None,
            };
            let new = services::projects::NewProject {
                slug: &slug,
                name: &name,
                contact: Some(&contact),
                policy_toml: policy_text.as_deref(),
            };
            match services::projects::create(&state, new, owner.as_ref()).await {
                Ok(p) => {
                    println!("created project {} ({})", p.slug.as_str(), p.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(ServiceError::Invalid(errors)) => {
                    // Name the file for policy errors: "policy.toml: line 3, column 1: …".
                    for f in &errors.0 {
                        match (&policy, f.field.starts_with("policy")) {
                            (Some(path), true) => {
                                eprintln!("error: {}: {}: {}", path.display(), f.field, f.message)
                            }
                            _ => eprintln!("error: {}: {}", f.field, f.message),
                        }
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => invalid(e),
            }
        }
    }
}
