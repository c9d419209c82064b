//! Webhook deliveries: the outbox with its status and failures, and a retry
//! button for the ones not delivered.

use super::CsrfOnly;
use crate::app::AppState;
use crate::dashboard::frame::{Frame, OrPage, PageError, check_form, render};
use crate::dashboard::session::Viewer;
use crate::dashboard::{assets, url_encode};
use crate::routes::webhooks::{DeliveryQuery, delivery_page, retry_now};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadscore_store::status;
use serde::Deserialize;

/// A delivery as shown.
pub struct Delivery {
    pub id: i64,
    pub webhook: String,
    pub lead: String,
    pub lead_href: String,
    pub trigger: String,
    pub status: &'static str,
    pub class: &'static str,
    pub attempts: String,
    pub created: String,
    pub next: String,
    pub error: String,
    pub retry: Option<String>,
}

/// The page's filters.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    status: String,
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    status: String,
    rows: Vec<Delivery>,
    next: Option<String>,
}

/// `GET /deliveries`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<Filters>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "deliveries", q.done.as_deref());
    let query = DeliveryQuery {
        status: Some(q.status.clone()).filter(|s| !s.is_empty()),
        cursor: q.cursor.clone(),
        ..DeliveryQuery::default()
    };
    let (page, limit) = delivery_page(&state, &query).await.or_page(&v)?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(|d| d.id))
        .flatten()
        .map(|id| format!("/deliveries?status={}&cursor={id}", url_encode(&q.status)));
    let t = f.t;
    let rows = page
        .into_iter()
        .map(|d| {
            let (label, class) = match d.status.as_str() {
                status::DELIVERED => (t.st_delivered, "good"),
                status::DEAD => (t.st_dead, "bad"),
                _ => (t.st_pending, ""),
            };
            Delivery {
                retry: (d.status != status::DELIVERED && f.manages_models())
                    .then(|| format!("/deliveries/{}/retry", d.id)),
                lead_href: format!("/leads/{}", url_encode(&d.lead_id)),
                id: d.id,
                webhook: d.webhook,
                lead: d.lead_id,
                trigger: d.trigger,
                status: label,
                class,
                attempts: f.int(&d.attempts),
                created: f.at(&d.created_at),
                next: if d.status == status::PENDING {
                    f.at(&d.next_attempt_at)
                } else {
                    String::new()
                },
                error: d.last_error.unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(&Page {
        f,
        assets: assets::version(),
        status: q.status,
        rows,
        next,
    }))
}

/// `POST /deliveries/{id}/retry`: admins and marketing.
pub async fn retry(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_models())?;
    retry_now(&state, id).await.or_page(&v)?;
    Ok(Redirect::to("/deliveries?done=retry").into_response())
}
