//! What every page shares: the frame around it (navigation, language,
//! user, CSRF token, a notice), formatting helpers the templates call,
//! rendering, error pages and the security headers.

use crate::dashboard::i18n::{Lang, Texts};
use crate::dashboard::session::{UserRole, Viewer, same_secret};
use crate::error::ApiError;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Texts in the viewer's language.
    pub t: &'static Texts,
    /// The viewer's language.
    pub lang: Lang,
    /// The viewer's email.
    pub user: String,
    /// The viewer's role.
    pub role: UserRole,
    /// The session's CSRF token, put in every form.
    pub csrf: String,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// The page's path, to come back to after switching language.
    pub back: String,
    /// A notice after a form was sent.
    pub notice: Option<&'static str>,
    /// Reload the page every few seconds (while a job runs).
    pub refresh: bool,
    /// What a refresh loads: the path and query asked for. Named outright
    /// because Chromium does not reload a URL with a `#fragment` for a bare
    /// `<meta http-equiv=refresh>`.
    pub reload: String,
}

impl Frame {
    /// The frame of page `nav` for `v`; `done` names a notice to show.
    pub fn new(v: &Viewer, nav: &'static str, done: Option<&str>) -> Frame {
        let t = v.lang.texts();
        Frame {
            t,
            lang: v.lang,
            user: v.user.email.clone(),
            role: v.role,
            csrf: v.csrf.clone(),
            nav,
            back: crate::dashboard::url_encode(&v.path),
            notice: done.and_then(|d| notice(t, d)),
            refresh: false,
            reload: v.path.clone(),
        }
    }

    /// A number with `d` decimals.
    pub fn num(&self, x: &f64, d: usize) -> String {
        self.lang.num(*x, d)
    }

    /// A whole number.
    pub fn int<T: Copy + Into<i64>>(&self, n: &T) -> String {
        self.lang.num((*n).into() as f64, 0)
    }

    /// A count.
    pub fn count(&self, n: &usize) -> String {
        self.lang.num(*n as f64, 0)
    }

    /// A share as a percentage.
    pub fn pct(&self, x: &Option<f64>) -> String {
        self.lang.pct(*x)
    }

    /// A date and time.
    pub fn at(&self, ms: &i64) -> String {
        self.lang.datetime(*ms)
    }

    /// An optional date and time.
    pub fn at_opt(&self, ms: &Option<i64>) -> String {
        ms.map_or_else(|| self.t.never.to_owned(), |m| self.lang.datetime(m))
    }

    /// A role's name.
    pub fn role_name(&self, role: &str) -> &'static str {
        match UserRole::parse(role) {
            Some(UserRole::Admin) => self.t.role_admin,
            Some(UserRole::Marketing) => self.t.role_marketing,
            Some(UserRole::Sales) => self.t.role_sales,
            None => "—",
        }
    }

    /// A yes or a no.
    pub fn yes_no(&self, b: &bool) -> &'static str {
        if *b { self.t.yes } else { self.t.no }
    }

    /// Whether the viewer may change models and retry deliveries.
    pub fn manages_models(&self) -> bool {
        self.role.manages_models()
    }

    /// Whether the viewer may manage users.
    pub fn manages_users(&self) -> bool {
        self.role.manages_users()
    }

    /// The CSS class of the current navigation entry.
    pub fn nav_class(&self, entry: &str) -> &'static str {
        if self.nav == entry { "current" } else { "" }
    }
}

/// The notice a `done=` parameter names.
fn notice(t: &'static Texts, done: &str) -> Option<&'static str> {
    Some(match done {
        "feedback" => t.feedback_saved,
        "retry" => t.retry_started,
        "user" => t.user_added,
        "saved" => t.saved,
        "uploaded" => t.model_uploaded,
        "activating" => t.activation_started,
        "preview" => t.preview_started,
        "backtest" => t.backtest_started,
        _ => return None,
    })
}

/// A rendered page.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Texts,
    lang: &'static str,
    message: String,
}

/// A page that failed: its status and what to say.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
    lang: Lang,
}

impl PageError {
    /// The viewer's role may not do this.
    pub fn forbidden(v: &Viewer) -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            message: v.lang.texts().forbidden.to_owned(),
            lang: v.lang,
        }
    }

    /// A form without the session's CSRF token.
    pub fn bad_form(v: &Viewer) -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            message: v.lang.texts().bad_form.to_owned(),
            lang: v.lang,
        }
    }

    /// An API error, told in the viewer's language where it has a text.
    pub fn api(v: &Viewer, e: ApiError) -> PageError {
        let t = v.lang.texts();
        let message = match (e.status, &e.field) {
            (StatusCode::NOT_FOUND, _) => format!("{} ({})", t.not_found, e.message),
            (_, Some(field)) => format!("{field}: {}", e.message),
            _ => e.message,
        };
        PageError {
            status: e.status,
            message,
            lang: v.lang,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            t: self.lang.texts(),
            lang: self.lang.code(),
            message: self.message,
        };
        (self.status, render(&page)).into_response()
    }
}

/// Turns API errors into pages for `v`.
pub trait OrPage<T> {
    /// The value, or an error page in the viewer's language.
    fn or_page(self, v: &Viewer) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, v: &Viewer) -> Result<T, PageError> {
        self.map_err(|e| PageError::api(v, e.into()))
    }
}

/// Refuses a form whose CSRF token is not the session's.
pub fn check_csrf(v: &Viewer, sent: &str) -> Result<(), PageError> {
    if same_secret(&v.csrf, sent) {
        Ok(())
    } else {
        Err(PageError::bad_form(v))
    }
}

/// Refuses a form without the session's CSRF token, then one the viewer's
/// role may not send (`allowed`).
pub fn check_form(v: &Viewer, sent: &str, allowed: bool) -> Result<(), PageError> {
    check_csrf(v, sent)?;
    if allowed {
        Ok(())
    } else {
        Err(PageError::forbidden(v))
    }
}

/// Adds the dashboard's security headers: no inline scripts or styles, no
/// framing, no content sniffing.
pub async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}
