//! Helpers: an app on a fresh SQLite or PostgreSQL database, tests run on
//! both ([`both!`], [`apps`]), logins, and requests.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use duijie_store::testing::{self, TestDb};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = duijie_store::demo::DEMO_PASSWORD;

pub struct App {
    pub router: Router,
    pub t: TestDb,
    /// The running platform's state (its derived data, for tests that look inside).
    pub state: duijie_web::AppState,
}

pub async fn app() -> App {
    app_on(testing::fresh_sqlite().await.expect("test database")).await
}

/// The same app on a fresh PostgreSQL database from `DUIJIE_TEST_PG_URL`
/// (which `scripts/test.sh` sets after starting the server).
pub async fn app_pg() -> App {
    let t = testing::fresh_postgres()
        .await
        .expect("postgres test database")
        .expect("DUIJIE_TEST_PG_URL is not set: run the README's test command (scripts/test.sh), which starts PostgreSQL");
    app_on(t).await
}

/// Runs each listed test body (`async fn name(a: App)`) twice, as
/// `name::sqlite` on a fresh SQLite app and as `name::postgres` on a fresh
/// PostgreSQL app ([`app_pg`], which fails without `DUIJIE_TEST_PG_URL`, so a
/// green run means both backends passed). An optional first `#[…]` replaces
/// `#[tokio::test]`.
macro_rules! both {
    (#[$test:meta] $($f:ident),* $(,)?) => {$(
        mod $f {
            #[$test]
            async fn sqlite() { super::$f(crate::support::app().await).await }
            #[$test]
            async fn postgres() { super::$f(crate::support::app_pg().await).await }
        }
    )*};
    ($($f:ident),* $(,)?) => { crate::support::both!(#[tokio::test] $($f),*); };
}
pub(crate) use both;

/// The app on SQLite and on PostgreSQL, for a test body that loops over both
/// (fails without `DUIJIE_TEST_PG_URL`, as [`app_pg`] does).
pub async fn apps() -> Vec<App> {
    vec![app().await, app_pg().await]
}

/// The app as deployed behind a reverse proxy, so that tests can say which
/// client a request comes from (`X-Forwarded-For`) and whether it came over
/// HTTPS (`X-Forwarded-Proto`).
async fn app_on(t: TestDb) -> App {
    let config = duijie_web::WebConfig { trust_proxy: true, ..duijie_web::WebConfig::default() };
    let state = duijie_web::AppState::new(t.db.clone(), config).await.expect("state");
    App { router: duijie_web::router(state.clone()), t, state }
}

impl App {
    /// Which backend this app runs on, for assertion messages.
    pub fn backend(&self) -> &'static str {
        match self.t.db {
            duijie_store::Db::Sqlite(_) => "SQLite",
            duijie_store::Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// Adds a government account with the demo password (a unit the demo does not have).
    pub async fn add_officer(&self, username: &str, display_name: &str, role: duijie_domain::Role, region: &str) -> i64 {
        let mut tx = self.t.db.begin().await.unwrap();
        let id = duijie_store::users::create(&mut tx, &duijie_store::Actor::system("测试"), &duijie_store::users::NewUser {
            username: username.into(),
            display_name: display_name.into(),
            role,
            region: duijie_domain::RegionCode::parse(region).unwrap(),
            org_id: None,
            password_hash: duijie_domain::crypto::hash_password(PASSWORD),
            is_demo: false,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// One number from SQL (counts and sums that tests check against).
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        duijie_store::on_db!(&self.t.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect("SQL")
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of a cookie this reply sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
    }
}

pub async fn reply(res: Response<Body>) -> Reply {
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

impl App {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        reply(self.router.clone().oneshot(req).await.expect("infallible")).await
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Reply {
        self.send(Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
    }

    /// The body of a download (200 OK) as bytes.
    pub async fn bytes(&self, path: &str, cookie: &str) -> Vec<u8> {
        let res = self.router.clone().oneshot(Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.into_body().collect().await.expect("body").to_bytes().to_vec()
    }

    pub async fn post_form(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded_encode(form);
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn api(&self, method: &str, path: &str, token: Option<&str>, json: Option<serde_json::Value>) -> Reply {
        self.send(api_request(method, path, token, json)).await
    }

    /// Logs in through the login page; returns (cookie header, session csrf).
    pub async fn login(&self, username: &str) -> (String, String) {
        let page = self.get("/login", "").await;
        let pre = page.set_cookie("duijie_login_csrf").expect("login csrf cookie");
        let pre_cookie = format!("duijie_login_csrf={pre}");
        let res = self.post_form("/login", &pre_cookie, &[("_csrf", &pre), ("username", username), ("password", PASSWORD)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login of {username} failed: {}", res.body);
        let session = res.set_cookie("duijie_session").expect("session cookie");
        let cookie = format!("duijie_session={session}");
        // The dashboard, or an applicant's own application.
        let dash = self.get(res.location(), &cookie).await;
        assert_eq!(dash.status, StatusCode::OK, "{} after login", res.location());
        (cookie, csrf_of(&dash.body))
    }

    pub async fn token(&self, username: &str) -> String {
        let r = self.api("POST", "/api/v1/auth/token", None, Some(serde_json::json!({"username": username, "password": PASSWORD}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
}

/// An API request with an optional bearer token and JSON body.
pub fn api_request(method: &str, path: &str, token: Option<&str>, json: Option<serde_json::Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match json {
        Some(j) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(j.to_string())
        }
        None => Body::empty(),
    };
    b.body(body).unwrap()
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a form with _csrf") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn serde_urlencoded_encode(form: &[(&str, &str)]) -> String {
    form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A multipart body with text fields and one file.
pub fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----duijie-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The log receipt an exported workbook carries on its sheet 核验回执: the
/// printed line, and what its QR codes read (by an independent decoder).
pub fn workbook_receipt(bytes: &[u8]) -> Option<(String, Vec<String>)> {
    use calamine::Reader;
    use std::io::Read;
    let mut book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(bytes.to_vec())).expect("an .xlsx");
    let sheet = book.worksheet_range("核验回执").ok()?;
    let line = sheet.get_value((0, 0))?.to_string();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an .xlsx package");
    let names: Vec<String> = zip.file_names().filter(|n| n.contains("media/") && !n.ends_with('/')).map(String::from).collect();
    let mut codes = Vec::new();
    for n in names {
        let mut png = Vec::new();
        zip.by_name(&n).unwrap().read_to_end(&mut png).unwrap();
        let mut prepared = rqrr::PreparedImage::prepare(image::load_from_memory(&png).unwrap().to_luma8());
        codes.extend(prepared.detect_grids().iter().map(|g| g.decode().expect("a readable QR code").1));
    }
    Some((line, codes))
}
