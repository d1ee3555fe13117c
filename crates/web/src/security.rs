//! Response headers every answer carries, and where a request came from.
//!
//! Guarantees: a strict Content-Security-Policy (only this server's own scripts,
//! styles and images; no framing), no MIME sniffing, no referrer leaks beyond the
//! origin, and no caching of anything but static assets. The API explorer is the
//! one page that needs inline styles, and only it gets them.
//!
//! A request that came over HTTPS (`cookie_secure` set, or, behind a trusted
//! reverse proxy, `X-Forwarded-Proto: https`) gets `Strict-Transport-Security`
//! and every cookie it sets is marked `Secure`, whatever the handler wrote.
//! [`ClientAddr`] is the client's address: the socket's peer, or behind a
//! trusted proxy (`trust_proxy`) the address the proxy appended last to
//! `X-Forwarded-For`; handlers never read those headers themselves.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
                   form-action 'self'; frame-ancestors 'none'";
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
const HSTS: &str = "max-age=31536000";

/// The client's address as this server trusts it ("unknown" when there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().cloned().unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}

fn forwarded(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).next_back()?;
    v.rsplit(',').map(str::trim).find(|s| !s.is_empty()).map(str::to_string)
}

fn client_of(trust_proxy: bool, req: &Request) -> ClientAddr {
    let proxied = trust_proxy.then(|| forwarded(req.headers(), "x-forwarded-for")).flatten();
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    ClientAddr(proxied.or(peer).unwrap_or_else(|| "unknown".into()))
}

fn came_over_https(state: &AppState, req: &Request) -> bool {
    state.config.cookie_secure
        || (state.config.trust_proxy && forwarded(req.headers(), "x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https")))
}

pub async fn headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let https = came_over_https(&state, &req);
    let client = client_of(state.config.trust_proxy, &req);
    req.extensions_mut().insert(client);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if path.starts_with("/api/docs") { CSP_DOCS } else { CSP };
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if !path.starts_with("/static/") && !path.starts_with("/api/docs") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                let text = c.to_str().unwrap_or("");
                let secured = if text.contains("; Secure") { c.clone() } else { HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c.clone()) };
                h.append(header::SET_COOKIE, secured);
            }
        }
    }
    res
}
