//! The dashboard's pages, one module each.

pub mod accounts;
pub mod backtest;
mod bant_form;
pub mod deliveries;
pub mod funnel;
pub mod lead;
pub mod leads;
pub mod login;
pub mod matrix;
pub mod model;
pub mod users_page;

use crate::dashboard::assets;
use crate::dashboard::frame::{Frame, render};
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "computing.html")]
struct Computing {
    f: Frame,
    assets: &'static str,
    title: &'static str,
}

/// The page shown while a summary over every lead is made for the first
/// time: it says so and reloads itself.
fn computing(title: &'static str, mut f: Frame) -> Response {
    f.refresh = true;
    render(&Computing {
        f,
        assets: assets::version(),
        title,
    })
}

/// "As of 09:14", and whether a newer summary is being made.
fn as_of(f: &Frame, made_at: i64, refreshing: bool) -> String {
    let mut text = format!("{} {} UTC", f.t.as_of, f.at(&made_at));
    if refreshing {
        text.push_str(" · ");
        text.push_str(f.t.updating);
    }
    text
}

/// Starts making the default funnel and the matrix at start, so that they
/// are ready by their first view (which never waits for them either way).
pub fn warm(state: crate::app::AppState) {
    tokio::spawn(async move {
        let form = funnel::Form::default();
        for result in [
            funnel::cached(&state, &form, "month").await,
            funnel::cached(&state, &form, "source").await,
            matrix::counts(&state).await,
        ] {
            if let Err(e) = result {
                tracing::warn!(error = %e.message, "Preparing the dashboard's summaries failed");
            }
        }
    });
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    /// The session's CSRF token.
    pub csrf: String,
}

/// The `done=` parameter of a page shown after a form.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// Which notice to show.
    pub done: Option<String>,
}
