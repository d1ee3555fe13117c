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
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// Mark cookies Secure (serve behind HTTPS).
    pub cookie_secure: bool,
    /// Largest upload in MB.
    pub max_upload_mb: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/duijie.db".into(),
            cookie_secure: false,
            max_upload_mb: 20,
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
        .merge(Env::prefixed("DUIJIE_").only(&["addr", "database_url", "cookie_secure", "max_upload_mb"]))
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
