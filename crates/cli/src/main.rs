//! The `duijie` binary: runs the platform and its operator commands.
//!
//! Guarantees: every command takes `--database URL` (or `DUIJIE_DATABASE_URL`)
//! and migrates the database before use; the first use of a database loads the
//! shipped reference data; commands that find a problem exit non-zero.

mod config;
mod import;
mod plan;
mod verifiable;
mod witness;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use duijie_domain::crypto::{hash_password, password_problem};
use duijie_domain::{RegionCode, Role};
use duijie_store::audit::{self, Verification};
use duijie_store::users::{self, NewUser};
use duijie_store::{Actor, Db, demo, reference, regions};
use std::io::Read;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "duijie", version, about = "对接：社会组织参与乡村振兴对接平台")]
struct Cli {
    /// A TOML configuration file (default: ./duijie.toml if present).
    #[arg(long, global = true, env = "DUIJIE_CONFIG")]
    config: Option<String>,
    /// Database URL: sqlite://PATH (default sqlite://data/duijie.db) or postgres://…
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform.
    Serve {
        /// Listen address, e.g. 0.0.0.0:8080.
        #[arg(long)]
        addr: Option<String>,
        /// Load demo organisations and accounts (once) and print the accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The verifiable log: signing key, checkpoints, export, offline verification.
    Log {
        #[command(subcommand)]
        command: verifiable::LogCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Region reference data.
    Regions {
        #[command(subcommand)]
        command: RegionsCommand,
    },
    /// Import officers' spreadsheets.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Export officers' spreadsheets.
    Export {
        #[command(subcommand)]
        command: import::ExportCommand,
    },
    /// The half-year cycle's tables (调度).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Load the demo data without serving.
    Demo,
    /// Propose an optimal pairing plan (结对方案) from an instance file or live data.
    PlanPairing(plan::PlanArgs),
    /// The full-text index.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Print the path of every route the server answers (pages and API), one per line.
    Routes,
    /// Remind organisations and counties of agreements not signed as the deadline nears, county
    /// bureaus of unmatched demands about to expire, and units of reports due in a week or today
    /// (runs hourly inside serve).
    Remind {
        /// Remind this many days before the deadline.
        #[arg(long, default_value_t = REMIND_WINDOW_DAYS)]
        window_days: i64,
    },
    /// Run the supervision rules (监管预警) now: raise flags on what breaks a rule, clear those whose
    /// cause is gone (the server runs them once a day, whichever server comes first).
    Flags,
}

/// Reminders start this many days before a batch's signing deadline.
const REMIND_WINDOW_DAYS: i64 = 30;

/// County bureaus are told this many days before an unmatched demand's deadline.
const DEMAND_EXPIRY_NOTICE_DAYS: i64 = 7;

/// Published demands past their deadline expire (they leave the recommendations, not the statistics).
async fn expire_demands(db: &Db) -> Result<usize> {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let mut tx = db.begin().await?;
    let n = duijie_store::demand::expire_overdue(&mut tx, today).await?;
    tx.commit().await?;
    Ok(n)
}

/// Sends the agreement reminders due today (Beijing time); each is sent once.
async fn remind(db: &Db, window_days: i64) -> Result<usize> {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let mut tx = db.begin().await?;
    let mut n = duijie_store::pairing::remind::remind(&mut tx, db, today, window_days).await?;
    n += duijie_store::demand::remind_expiring(&mut tx, today, DEMAND_EXPIRY_NOTICE_DAYS).await?;
    tx.commit().await?;
    // Units that have not submitted a report hear a week before it is due and on the day.
    n += duijie_app::reports::remind_due(db, today).await.map_err(|e| anyhow::anyhow!(e.message()))?;
    Ok(n)
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Write one table of one unit's report as .xlsx: as submitted and
    /// approved, or as pre-filled from the records with --draft.
    Export {
        /// The report's number (调度编号).
        #[arg(long)]
        report: i64,
        /// The reporting unit: its region code (the collecting region gives its roll-up), or org-ID for an organisation.
        #[arg(long)]
        unit: String,
        /// The table's key, e.g. jiangsu-1.
        #[arg(long)]
        table: String,
        #[arg(long)]
        out: std::path::PathBuf,
        /// Export the figures pre-filled from the records now.
        #[arg(long)]
        draft: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, civil_affairs, rural_revitalization, supervisor or organization.
        #[arg(long)]
        role: String,
        /// The unit's region code (000000 for national).
        #[arg(long)]
        region: String,
        /// The organisation's unified social credit code (organization role).
        #[arg(long)]
        org: Option<String>,
        /// Display name (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the SM3 chain, then check the log tree against the newest (or a held) signed checkpoint; exit 1 at the first break.
    Verify {
        #[arg(long)]
        json: bool,
        /// A signed checkpoint kept outside the platform (checked instead of the newest stored one).
        #[arg(long)]
        checkpoint: Option<String>,
        /// The public key file (default: the public half of the configured signing key).
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Empty the index and index every demand, offer and organisation again.
    Rebuild,
}

#[derive(Subcommand)]
enum RegionsCommand {
    /// Load the 620,573 villages shipped with the binary (resumable).
    LoadVillages,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("DUIJIE_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::exit(2);
        }
    }
}

/// Opens the configured database and makes sure the reference data is there.
pub async fn open(settings: &config::Settings) -> Result<Db> {
    let db = Db::connect(&settings.database_url).await.with_context(|| format!("无法打开数据库 {}", config::redact(&settings.database_url)))?;
    let started = Instant::now();
    if reference::ensure_loaded(&db).await? {
        eprintln!("已载入参考数据（44,703 个区划及认定名单），用时 {:.2} 秒", started.elapsed().as_secs_f64());
    }
    Ok(db)
}

async fn run(cli: Cli) -> Result<i32> {
    let addr_flag = match &cli.command {
        Command::Serve { addr, .. } => addr.clone(),
        _ => None,
    };
    let settings = config::load(cli.config.as_deref(), cli.database.clone(), addr_flag)?;
    match cli.command {
        Command::Serve { demo, .. } => serve(&settings, demo).await,
        Command::User { command } => user(&settings, command).await,
        Command::Audit { command: AuditCommand::Verify { json, checkpoint, key } } => {
            let db = open(&settings).await?;
            let v = audit::verify(&db).await?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            }
            let chain_ok = match v {
                Verification::Intact { rows } => {
                    eprintln!("审计链完整：共 {rows} 条记录");
                    true
                }
                Verification::Broken { seq, reason } => {
                    eprintln!("审计链在第 {seq} 条记录处断开：{reason}");
                    false
                }
            };
            let (tree_ok, line) = verifiable::check_tree(&db, &settings, checkpoint.as_deref(), key.as_deref()).await?;
            eprintln!("{line}");
            Ok(if chain_ok && tree_ok { 0 } else { 1 })
        }
        Command::Log { command } => verifiable::run(&settings, command).await,
        Command::Regions { command: RegionsCommand::LoadVillages } => {
            let db = open(&settings).await?;
            let started = Instant::now();
            let inserted = regions::load_villages(&db, |done, total| eprintln!("村级区划：{done}/{total}")).await?;
            eprintln!("已新增 {inserted} 个村级区划，用时 {:.1} 秒", started.elapsed().as_secs_f64());
            Ok(0)
        }
        Command::Import { command } => {
            let db = open(&settings).await?;
            import::run(&db, command, &settings.import_limits()).await
        }
        Command::Export { command } => {
            let db = open(&settings).await?;
            import::export(&db, command, &settings.public_url).await
        }
        Command::PlanPairing(args) => plan::run(args, &settings).await,
        Command::Search { command: SearchCommand::Rebuild } => {
            let db = open(&settings).await?;
            let started = Instant::now();
            let ft = duijie_store::search::open_for(&db, std::path::Path::new(&settings.search_dir)).await?;
            let n = duijie_store::search::rebuild(&db, &ft).await?;
            eprintln!("全文索引已重建：{n} 条记录，用时 {:.1} 秒（{}）", started.elapsed().as_secs_f64(), settings.search_dir);
            Ok(0)
        }
        Command::Routes => {
            for path in duijie_web::route_paths() {
                println!("{path}");
            }
            Ok(0)
        }
        Command::Flags => {
            let db = open(&settings).await?;
            let a = duijie_app::supervision::run(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
            eprintln!("监管预警：新发现 {} 条，消除 {} 条，现有 {} 条", a.raised, a.cleared, a.standing);
            Ok(0)
        }
        Command::Remind { window_days } => {
            let db = open(&settings).await?;
            let n = remind(&db, window_days).await?;
            eprintln!("已发出 {n} 条提醒（协议签订、需求到期、调度报送）");
            Ok(0)
        }
        Command::Report { command: ReportCommand::Export { report, unit, table, out, draft } } => {
            let db = open(&settings).await?;
            let tree = regions::RegionTree::load(&db).await?;
            let Some(unit) = duijie_domain::report::UnitKey::parse(&unit) else {
                eprintln!("“{unit}”不是有效的报送单位（地区的区划代码，或社会组织的 org-编号）");
                return Ok(2);
            };
            let records = duijie_app::reports::Records { db: &db, tree: &tree };
            match duijie_app::reports::export(records, &duijie_domain::Principal::platform(), report, &unit, &table, draft, &settings.public_url).await {
                Ok((name, bytes)) => {
                    std::fs::write(&out, bytes)?;
                    eprintln!("已导出《{name}》到 {}", out.display());
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("导出失败：{}", e.message());
                    Ok(1)
                }
            }
        }
        Command::Demo => {
            let db = open(&settings).await?;
            print_accounts(&demo::ensure_loaded(&db).await?);
            Ok(0)
        }
    }
}

fn print_accounts(accounts: &[demo::DemoAccount]) {
    println!("演示账号（密码均为 {}）：", demo::DEMO_PASSWORD);
    for a in accounts {
        println!("  {:<8} {:<22} {:<8} {}", a.username, a.role, a.region, a.unit);
    }
}

async fn serve(settings: &config::Settings, with_demo: bool) -> Result<i32> {
    let db = open(settings).await?;
    if with_demo {
        print_accounts(&demo::ensure_loaded(&db).await?);
    }
    let demand_approval = duijie_domain::authz::DemandApproval::parse(&settings.demand_approval)
        .with_context(|| format!("demand_approval 应为 civil_affairs 或 superior，而不是“{}”", settings.demand_approval))?;
    let web = duijie_web::WebConfig {
        cookie_secure: settings.cookie_secure,
        trust_proxy: settings.trust_proxy,
        max_upload_bytes: settings.max_upload_mb * 1024 * 1024,
        sealer: config::sealer(settings)?,
        demand_approval,
        search_dir: Some(settings.search_dir.clone().into()),
        import_limits: settings.import_limits(),
        public_url: settings.public_url.clone(),
    };
    let state = duijie_web::AppState::new(db.clone(), web).await?;
    let listener = tokio::net::TcpListener::bind(&settings.addr).await.with_context(|| format!("无法监听 {}", settings.addr))?;
    eprintln!("对接平台已启动：http://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = duijie_store::sessions::purge_expired(&db).await {
                tracing::warn!("清理过期会话失败：{e}");
            }
            match expire_demands(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} 个需求已过截止日期，标为已过期"),
                Err(e) => tracing::warn!("处理过期需求失败：{e}"),
            }
            match remind(&db, REMIND_WINDOW_DAYS).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("已发出 {n} 条提醒（协议签订、需求到期、调度报送）"),
                Err(e) => tracing::warn!("发送协议签订提醒失败：{e}"),
            }
            match duijie_app::supervision::run_daily(&db).await {
                Ok(Some(a)) => tracing::info!("监管预警：新发现 {} 条，消除 {} 条，现有 {} 条", a.raised, a.cleared, a.standing),
                Ok(None) => {}
                Err(e) => tracing::warn!("监管预警检查失败：{e:?}"),
            }
        }
    });
    verifiable::spawn_checkpoints(settings, state.db.clone())?;
    let app = duijie_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(0)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn user(settings: &config::Settings, command: UserCommand) -> Result<i32> {
    let db = open(settings).await?;
    match command {
        UserCommand::Add { username, role, region, org, display_name, password_stdin: _ } => {
            let role = Role::parse(&role).with_context(|| format!("未知角色 {role}（可选 admin、civil_affairs、rural_revitalization、supervisor、organization）"))?;
            let region = RegionCode::parse(&region).map_err(|e| anyhow::anyhow!("区划代码 {region}：{e}"))?;
            let tree = regions::RegionTree::load(&db).await?;
            if !region.as_str().is_empty() && tree.get(&region).is_none() {
                bail!("没有这个区划代码：{region}");
            }
            let org_id = match (role, org) {
                (Role::Organization, Some(code)) => Some(
                    duijie_store::orgs::by_credit_code(&db, code.trim().to_ascii_uppercase().as_str())
                        .await?
                        .with_context(|| format!("没有登记统一社会信用代码为 {code} 的社会组织"))?
                        .unscoped()
                        .id,
                ),
                (Role::Organization, None) => bail!("社会组织用户需要 --org 统一社会信用代码"),
                (_, Some(_)) => bail!("只有 organization 角色可以指定 --org"),
                (_, None) => None,
            };
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            if let Some(p) = password_problem(&password) {
                bail!("密码不符合要求：{p}");
            }
            let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
            let new = NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                region,
                org_id,
                password_hash: hash,
                is_demo: false,
            };
            let mut tx = db.begin().await?;
            let id = users::create(&mut tx, &Actor::system("命令行"), &new).await?;
            tx.commit().await?;
            eprintln!("已创建用户 {}（编号 {id}）", new.username);
            Ok(0)
        }
        UserCommand::List { json } => {
            let (list, _) = users::list(&db, &duijie_domain::RegionCode::national(), i64::MAX, 0).await?;
            let views: Vec<_> = list.iter().map(|u| u.view()).collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                for v in views {
                    println!("{:<6} {:<16} {:<22} {:<12} {}", v.id, v.username, v.role, v.region_code, v.display_name);
                }
            }
            Ok(0)
        }
    }
}
