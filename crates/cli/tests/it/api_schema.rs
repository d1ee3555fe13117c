//! The API answers what `/api/openapi.json` says it answers: a property-based
//! fuzzer (schemathesis) sends generated requests, valid and invalid, to every
//! operation of the running `duijie serve --demo`, as a county officer
//! (`yl_xz`), as an organisation (`org_yl`) and anonymously, and fails on any
//! 5xx, any status the operation does not document, and any answer whose body
//! or content type does not match its description.
//!
//! Needs the `schemathesis` command (`scripts/test.sh` installs it with pip);
//! without it the test fails and says so. The run is reproducible (fixed seed)
//! and bounded (a fixed number of examples per operation); on failure the test
//! prints schemathesis's report and the server's log.

use axum::body::Bytes;
use axum::http::{Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

/// Generated requests per operation and caller.
const MAX_EXAMPLES: &str = "15";
/// The seed, so that a failure found once is found again.
const SEED: &str = "20261202";

/// Paths left out (each has one operation), for a reason that has nothing to do with its answers.
const EXCLUDED: &[&str] = &[
    // Ends the token the fuzzer is using: every later request would answer 401.
    "/api/v1/auth/logout",
    // Exchanges the token for a new one and ends the old one at once (same effect).
    "/api/v1/auth/refresh",
    // With `all` (or the caller's session id) it revokes the caller's own token (same effect).
    "/api/v1/users/{id}/sessions/{session}",
];

/// `duijie serve --demo` on a fresh SQLite database and a free local port; killed when dropped.
struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_duijie"))
            .current_dir(dir.path())
            .arg("--database")
            .arg(format!("sqlite://{}", dir.path().join("fuzz.db").display()))
            .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .env_remove("DUIJIE_DATABASE_URL")
            .env_remove("DUIJIE_CONFIG")
            .env("DUIJIE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("run duijie serve");
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), dir };
        let http = client();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            let ready = http.get(format!("{}/healthz", server.base).parse().unwrap()).await.is_ok_and(|r| r.status().is_success());
            if ready {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("duijie serve did not answer /healthz within 120 s:\n{}", server.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A bearer token for a demo account (one login each, well under the login back-off).
    async fn token(&self, username: &str) -> String {
        let body = serde_json::json!({ "username": username, "password": crate::support::PASSWORD }).to_string();
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("{}/api/v1/auth/token", self.base))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let res = client().request(req).await.expect("token request");
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        v["token"].as_str().unwrap_or_else(|| panic!("no token for {username} ({status}): {}", String::from_utf8_lossy(&bytes))).to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Http {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

/// One schemathesis run against every operation but the excluded ones; returns
/// whether it passed and its report. One worker: schemathesis's threads make
/// Python 3.11's parser fail now and then ("AST constructor recursion depth
/// mismatch"), an error of the fuzzer, not of the API.
fn fuzz(server: &Server, caller: &str, token: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new("schemathesis");
    cmd.current_dir(server.dir.path())
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.base))
        .args(["--url", &server.base])
        .args(["--checks", "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--workers", "1", "--request-timeout", "30", "--no-color"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("NO_COLOR", "1");
    for path in EXCLUDED {
        cmd.args(["--exclude-path", path]);
    }
    if let Some(t) = token {
        cmd.args(["--header", &format!("Authorization: Bearer {t}")]);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run schemathesis ({e}); install it with `python3 -m pip install schemathesis` (scripts/test.sh does)"));
    let report = format!(
        "==== schemathesis as {caller}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_its_description_says_for_an_officer_an_organisation_and_anonymously() {
    let server = Server::start().await;
    // Both tokens before any fuzzing: the fuzzer's failed logins start the back-off for this client.
    let officer = server.token("yl_xz").await;
    let org = server.token("org_yl").await;
    let mut failed = Vec::new();
    for (caller, token) in [("officer yl_xz", Some(officer.as_str())), ("organisation org_yl", Some(org.as_str())), ("anonymous", None)] {
        let (ok, report) = tokio::task::block_in_place(|| fuzz(&server, caller, token));
        println!("{report}");
        if !ok {
            failed.push(caller);
        }
    }
    assert!(failed.is_empty(), "the API does not answer as described for: {failed:?} (reports above)\nserver log:\n{}", server.log());
}

/// What the fuzzer's checks rest on, request by request: path, query-string and
/// content-type failures answer in the API's one error shape, every error
/// carries a request id, and the description documents those answers.
#[tokio::test]
async fn unreadable_requests_answer_in_the_error_shape_that_the_description_documents() {
    use axum::body::Body;
    use axum::http::StatusCode;
    let a = crate::support::app().await;
    let token = a.token("yl_xz").await;
    let error = |r: &crate::support::Reply, status: StatusCode, code: &str| {
        assert_eq!(r.status, status, "{}", r.body);
        let v = r.json();
        assert_eq!(v["code"], code, "{v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_ascii()), "a Chinese message: {v}");
        assert!(v["request_id"].as_str().is_some_and(|id| id.len() == 12), "a request id: {v}");
    };
    error(&a.api("GET", "/api/v1/demands/abc", Some(&token), None).await, StatusCode::BAD_REQUEST, "bad_request");
    error(&a.api("GET", "/api/v1/demands?page=x", Some(&token), None).await, StatusCode::BAD_REQUEST, "bad_request");
    error(&a.api("GET", "/api/v1/demands/999999", Some(&token), None).await, StatusCode::NOT_FOUND, "not_found");
    error(&a.api("GET", "/api/v1/me", None, None).await, StatusCode::UNAUTHORIZED, "unauthenticated");
    let no_type = a
        .send(Request::post("/api/v1/pairings").header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::from("{}")).unwrap())
        .await;
    error(&no_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "bad_request");
    let wrong_shape = a.api("POST", "/api/v1/pairings/1/steps", Some(&token), Some(serde_json::json!({"step": 5}))).await;
    error(&wrong_shape, StatusCode::UNPROCESSABLE_ENTITY, "bad_request");

    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let responses = |method: &str, path: &str| doc["paths"][path][method]["responses"].clone();
    for status in ["400", "401", "403", "404", "413", "415", "422", "500"] {
        let r = &responses("post", "/api/v1/pairings/{id}/steps")[status];
        assert_eq!(r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody", "POST steps {status}: {r}");
    }
    let public = responses("get", "/api/v1/public/demands");
    assert!(public.get("401").is_none() && public.get("400").is_some() && public.get("500").is_some(), "{public}");
    assert!(responses("get", "/api/v1/me").get("400").is_none(), "no input, no 400");
    let required = &doc["components"]["schemas"]["ErrorBody"]["required"];
    assert!(required.as_array().unwrap().iter().any(|f| f == "request_id"), "{required}");
    // Numbers are numbers; their text is still taken, and described as deprecated.
    let funds = &doc["components"]["schemas"]["OfferInput"]["properties"]["funds_wan"]["oneOf"];
    assert_eq!(funds[0]["type"], "number", "{funds}");
    assert_eq!(funds[1]["type"], "string", "{funds}");
    assert_eq!(funds[1]["deprecated"], true, "{funds}");
}
