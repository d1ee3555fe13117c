//! Configuration: defaults, then an optional TOML file, then `DUIJIE_*`
//! environment variables, then command-line flags — each overriding the last.

use anyhow::Result;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Listen address.
    pub addr: String,
    /// The platform's public address as people reach it (e.g. `https://duijie.yn.gov.cn`):
    /// the QR codes of log receipts on agreements and exports open the 核验 page there.
    pub public_url: String,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// Treat every request as HTTPS (Secure cookies, HSTS).
    pub cookie_secure: bool,
    /// Behind a reverse proxy: client address from X-Forwarded-For, HTTPS from X-Forwarded-Proto.
    pub trust_proxy: bool,
    /// Largest upload in MB.
    pub max_upload_mb: usize,
    /// The data key sealing households' personal data (32 hex characters); if
    /// empty, it is read from `data_key_file`, which is created on first start.
    pub data_key: String,
    /// Where the data key is kept when `data_key` is empty.
    pub data_key_file: String,
    /// Who publishes demands: `civil_affairs` (the recording unit's civil-affairs
    /// office) or `superior` (the rural-revitalisation unit one level up).
    pub demand_approval: String,
    /// Where the full-text index is kept (derived data: `duijie search rebuild` makes it again).
    pub search_dir: String,
    /// Most rows an organisation registry file may have (web and CLI).
    pub import_max_rows_registry: usize,
    /// Most rows a designation list may have (web and CLI).
    pub import_max_rows_designations: usize,
    /// Most rows a county's demand list may have.
    pub import_max_rows_demands: usize,
    /// Most rows an official pairing list may have.
    pub import_max_rows_pairing: usize,
    /// Most rows an organisation's project detail table (附件2) may have.
    pub import_max_rows_projects: usize,
    /// Most columns with content in any imported file.
    pub import_max_columns: usize,
    /// Most MB an imported .xlsx may inflate to.
    pub import_max_uncompressed_mb: u64,
    /// Most entries an imported .xlsx package may contain.
    pub import_max_zip_entries: usize,
    /// The SM2 key that signs the log's checkpoints (the text of the key file); if empty, read from `log_key_file`.
    pub log_key: String,
    /// Where the log's signing key is kept when `log_key` is empty (`duijie log keygen` writes it).
    pub log_key_file: String,
    /// Seconds between checkpoints signed by the server (only when the log grew); 0 turns it off.
    pub log_checkpoint_interval_secs: u64,
    /// Witnesses each new checkpoint is sent to for co-signing (C2SP tlog-witness):
    /// entries `http://HOST:PORT PUBLIC-KEY` separated by `;` or new lines. Empty: none.
    pub log_witnesses: String,
    /// A directory (file drop) where the newest checkpoint, with its co-signatures,
    /// is kept as the file `checkpoint` for parties that collect it. Empty: none.
    pub log_checkpoint_dir: String,
}

impl Settings {
    /// The import limits these settings configure.
    pub fn import_limits(&self) -> duijie_office::ImportLimits {
        duijie_office::ImportLimits {
            rows_registry: self.import_max_rows_registry,
            rows_designations: self.import_max_rows_designations,
            rows_demands: self.import_max_rows_demands,
            rows_pairing: self.import_max_rows_pairing,
            rows_projects: self.import_max_rows_projects,
            max_columns: self.import_max_columns,
            max_uncompressed_bytes: self.import_max_uncompressed_mb.saturating_mul(1024 * 1024),
            max_zip_entries: self.import_max_zip_entries,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let limits = duijie_office::ImportLimits::default();
        Settings {
            addr: "127.0.0.1:8080".into(),
            public_url: String::new(),
            database_url: "sqlite://data/duijie.db".into(),
            cookie_secure: false,
            trust_proxy: false,
            max_upload_mb: 20,
            data_key: String::new(),
            data_key_file: "data/duijie.key".into(),
            demand_approval: "civil_affairs".into(),
            search_dir: "data/search-index".into(),
            import_max_rows_registry: limits.rows_registry,
            import_max_rows_designations: limits.rows_designations,
            import_max_rows_demands: limits.rows_demands,
            import_max_rows_pairing: limits.rows_pairing,
            import_max_rows_projects: limits.rows_projects,
            import_max_columns: limits.max_columns,
            import_max_uncompressed_mb: limits.max_uncompressed_bytes / (1024 * 1024),
            import_max_zip_entries: limits.max_zip_entries,
            log_key: String::new(),
            log_key_file: "data/log.key".into(),
            log_checkpoint_interval_secs: 300,
            log_witnesses: String::new(),
            log_checkpoint_dir: String::new(),
        }
    }
}

#[derive(Serialize)]
struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    addr: Option<String>,
}

pub fn load(file: Option<&str>, database: Option<String>, addr: Option<String>) -> Result<Settings> {
    let mut fig = Figment::from(Serialized::defaults(Settings::default()));
    match file {
        Some(f) => {
            if !std::path::Path::new(f).exists() {
                anyhow::bail!("配置文件不存在：{f}");
            }
            fig = fig.merge(Toml::file(f));
        }
        None => fig = fig.merge(Toml::file("duijie.toml")),
    }
    fig = fig
        .merge(Env::prefixed("DUIJIE_").only(&["addr", "public_url", "database_url", "cookie_secure", "trust_proxy", "max_upload_mb", "data_key", "data_key_file", "demand_approval", "search_dir",
            "import_max_rows_registry", "import_max_rows_designations", "import_max_rows_demands", "import_max_rows_pairing", "import_max_rows_projects",
            "import_max_columns", "import_max_uncompressed_mb", "import_max_zip_entries", "log_key", "log_key_file", "log_checkpoint_interval_secs",
            "log_witnesses", "log_checkpoint_dir",
        ]))
        .merge(Serialized::defaults(Flags { database_url: database, addr }));
    Ok(fig.extract()?)
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// The sealer for households' personal data: from `data_key`, or from the key
/// file (created with a fresh random key, readable only by its owner, when it
/// does not exist yet). Losing the key file loses the sealed data: back it up.
pub fn sealer(s: &Settings) -> Result<duijie_domain::sealing::Sealer> {
    use anyhow::Context;
    let hex = if !s.data_key.trim().is_empty() {
        s.data_key.trim().to_string()
    } else {
        let path = std::path::Path::new(&s.data_key_file);
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
            }
            let key = duijie_domain::sealing::Sealer::generate_key_hex();
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            std::io::Write::write_all(&mut opts.open(path).with_context(|| format!("无法创建数据密钥文件 {}", path.display()))?, key.as_bytes())?;
            eprintln!("已生成数据密钥 {}（用于加密帮扶户个人信息，请与数据库一起备份）", path.display());
        }
        std::fs::read_to_string(path).with_context(|| format!("无法读取数据密钥文件 {}", path.display()))?
    };
    duijie_domain::sealing::Sealer::from_hex(&hex).map_err(|e| anyhow::anyhow!("{e}"))
}
