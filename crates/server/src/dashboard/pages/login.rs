//! Logging in and out, and choosing the language.

use super::CsrfOnly;
use crate::app::AppState;
use crate::dashboard::assets;
use crate::dashboard::frame::{check_csrf, render};
use crate::dashboard::i18n::{LANG_COOKIE, Lang, Texts};
use crate::dashboard::session::{
    LoginError, Viewer, cleared_cookie, cookie, lang_of, log_in, log_out, same_secret,
    session_cookie,
};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The cookie that ties the login form to the browser that fetched it, so
/// another site cannot log a visitor in to an account of its choosing.
const LOGIN_COOKIE: &str = "ls_login";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    lang: &'static str,
    assets: &'static str,
    next: String,
    email: String,
    error: Option<&'static str>,
    token: String,
}

/// Where to go after logging in or switching language: a path on this
/// site only (never `//host` or a full URL).
fn local(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/leads".to_owned(),
    }
}

/// `?next=` of the login and language routes.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

fn page(
    state: &AppState,
    lang: Lang,
    next: String,
    email: String,
    error: Option<&'static str>,
) -> Response {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let set = format!(
        "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if state.dashboard.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let page = LoginPage {
        t: lang.texts(),
        lang: lang.code(),
        assets: assets::version(),
        next,
        email,
        error,
        token,
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, [(header::SET_COOKIE, set)], render(&page)).into_response()
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Response {
    page(
        &state,
        lang_of(&headers),
        local(q.next.as_deref()),
        String::new(),
        None,
    )
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    token: Option<String>,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let next = local(f.next.as_deref());
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, f.token.as_deref().unwrap_or_default()) {
        return page(&state, lang, next, f.email, Some(lang.texts().bad_form));
    }
    match log_in(&state, &f.email, &f.password).await {
        Ok(token) => (
            [(
                header::SET_COOKIE,
                session_cookie(&token, state.dashboard.secure_cookies),
            )],
            Redirect::to(&next),
        )
            .into_response(),
        Err(e) => {
            let t = lang.texts();
            let message = match e {
                LoginError::Wrong => t.login_failed,
                LoginError::Locked => t.login_locked,
            };
            page(&state, lang, next, f.email, Some(message))
        }
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, crate::dashboard::frame::PageError> {
    check_csrf(&v, &f.csrf)?;
    log_out(&state, &headers).await;
    Ok((
        [(
            header::SET_COOKIE,
            cleared_cookie(state.dashboard.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

/// `GET /lang/{code}?next=`: remembers the language for a year.
pub async fn language(Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::En);
    let set = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    (
        [(header::SET_COOKIE, set)],
        Redirect::to(&local(q.next.as_deref())),
    )
        .into_response()
}
