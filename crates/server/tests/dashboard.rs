//! The web dashboard over HTTP, on both databases: logging in and out,
//! wrong passwords, CSRF, roles, escaping, languages, and every page.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer, start};
use leadscore_server::dashboard::url_encode;
use leadscore_store::testing::Backend;
use reqwest::redirect::Policy;
use serde_json::json;

leadscore_store::on_both!(
    logging_in_and_out,
    forms_need_the_session_csrf_token,
    sales_records_feedback_but_cannot_change_models_or_users,
    a_script_in_a_lead_name_shows_as_text,
    the_language_is_chosen_and_remembered,
    every_page_renders_with_data,
    backtests_start_from_the_model_page,
    the_bant_questions_follow_the_active_model,
);

/// A browser: no redirects followed, cookies kept by hand.
struct Browser<'a> {
    s: &'a TestServer,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

struct Answer {
    status: u16,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

impl<'a> Browser<'a> {
    fn new(s: &'a TestServer) -> Browser<'a> {
        Browser {
            s,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let r = req
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let set_cookies: Vec<String> = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &set_cookies {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        Answer {
            status,
            location,
            set_cookies,
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let req = self.http.get(self.s.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = self
            .http
            .post(self.s.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// Logs in; returns the answer to the login form.
    async fn log_in(&mut self, email: &str, password: &str) -> Answer {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200);
        let token = value_of(&page.body, "token");
        self.post(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("token", &token),
                ("next", "/leads"),
            ],
        )
        .await
    }

    /// The CSRF token of the page at `path`.
    async fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        value_of(&page.body, "csrf")
    }
}

/// The value of the first hidden input named `name`.
fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A few leads with events, an account and a feedback-worthy hot lead.
/// The sales user the role tests log in as (`SALES_EMAIL`, `SALES_PASSWORD`).
async fn add_sales_user(s: &TestServer) {
    let store = leadscore_store::open(&s.db.url).await.unwrap();
    leadscore_server::dashboard::users::add_user(
        store.as_ref(),
        SALES_EMAIL,
        SALES_PASSWORD,
        "sales",
    )
    .await
    .unwrap();
}

const SALES_EMAIL: &str = "sales@leadscore.test";
const SALES_PASSWORD: &str = "sales password 1";

async fn seed(s: &TestServer) {
    for (user, name, title) in [
        ("lan@fpt.com.vn", "Trần Thị Lan", "CTO"),
        ("minh@vng.com.vn", "Lê Minh", "Marketing Manager"),
        ("anna@example.com", "Anna Smith", "Intern"),
    ] {
        let account = user.split('@').nth(1).unwrap();
        let (status, body) = s
            .send(
                "/v1/identify",
                &json!({"userId": user, "traits": {"email": user, "name": name, "job_title": title,
                    "seniority": if title == "CTO" { "c-level" } else { "staff" }, "source": "google"}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        s.send(
            "/v1/group",
            &json!({"userId": user, "groupId": account, "traits": {"name": account, "employees": 900}}),
        )
        .await;
        for (i, path) in ["/pricing", "/demo", "/pricing"].iter().enumerate() {
            s.send(
                "/v1/page",
                &json!({"userId": user, "name": "Page", "properties": {"path": path},
                    "messageId": format!("{user}-p{i}")}),
            )
            .await;
        }
    }
    s.send(
        "/v1/track",
        &json!({"userId": "lan@fpt.com.vn", "event": "Form Submitted", "properties": {"form": "demo"}}),
    )
    .await;
}

async fn logging_in_and_out(b: Backend) {
    let s = start(b).await;
    let mut br = Browser::new(&s);
    let r = br.get("/leads?stage=mql").await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/login?next=%2Fleads%3Fstage%3Dmql")
    );

    let r = br.log_in(ADMIN_EMAIL, "wrong password").await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Wrong email or password."), "{}", r.body);
    let r = br.log_in("nobody@leadscore.test", ADMIN_PASSWORD).await;
    assert_eq!(r.status, 401, "an unknown email reads the same");
    assert!(r.body.contains("Wrong email or password."));

    let r = br.log_in(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/leads"));
    let session = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("ls_session="))
        .unwrap();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(part), "{session}");
    }
    let r = br.get("/leads").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Hot leads"));
    let csp = "default-src 'self'";
    let headers = reqwest::Client::new()
        .get(s.url("/login"))
        .send()
        .await
        .unwrap();
    assert!(
        headers.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(csp)
    );

    let csrf = value_of(&r.body, "csrf");
    let r = br.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/login"));
    assert_eq!(br.get("/leads").await.status, 303, "the session ended");

    // The login form only works with the cookie of the page that showed it.
    let mut other = Browser::new(&s);
    let r = other
        .post(
            "/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("token", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(!r.set_cookies.iter().any(|c| c.starts_with("ls_session=")));
}

async fn forms_need_the_session_csrf_token(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    let mut br = Browser::new(&s);
    assert_eq!(br.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 303);
    let path = "/leads/lan%40fpt.com.vn/feedback";
    let form = |csrf: &'static str| vec![("csrf", csrf), ("kind", "contact"), ("reached", "true")];
    assert_eq!(br.post(path, &form("")).await.status, 403);
    assert_eq!(
        br.post(path, &form("0123456789abcdef0123456789abcdef"))
            .await
            .status,
        403
    );
    let (_, list) = s.get("/api/leads/lan@fpt.com.vn/feedback").await;
    assert_eq!(list, json!([]), "nothing recorded without the token");

    let csrf = br.csrf("/leads/lan%40fpt.com.vn").await;
    let r = br
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("kind", "contact"),
                ("reached", "true"),
                ("note", "Gọi lúc 9h"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, "/leads/lan%40fpt.com.vn?done=feedback#feedback");
    let (_, list) = s.get("/api/leads/lan@fpt.com.vn/feedback").await;
    assert_eq!(list[0]["reached"], true);
    assert_eq!(list[0]["actor"], ADMIN_EMAIL);
    let page = br.get("/leads/lan%40fpt.com.vn?done=feedback").await;
    assert!(page.body.contains("Feedback recorded.") && page.body.contains("Gọi lúc 9h"));
}

async fn sales_records_feedback_but_cannot_change_models_or_users(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    add_sales_user(&s).await;
    let v2 = s
        .admin(
            reqwest::Method::POST,
            "/api/models",
            common::B2B.replace("b2b-saas", "b2b-v2"),
        )
        .await;
    assert_eq!(v2.0, 201, "{}", v2.1);

    let mut br = Browser::new(&s);
    assert_eq!(br.log_in(SALES_EMAIL, SALES_PASSWORD).await.status, 303);
    let csrf = br.csrf("/model").await;
    let page = br.get("/model").await.body;
    assert!(!page.contains("/model/upload"), "no upload form for sales");
    let r = br.post("/model/2/activate", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Your role cannot do that."));
    let r = br
        .post("/model/upload", &[("csrf", &csrf), ("source", common::B2B)])
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        s.ok("/api/models").await.as_array().unwrap().len(),
        2,
        "nothing uploaded"
    );
    assert_eq!(br.get("/users").await.status, 403);
    let r = br
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("email", "x@y.vn"),
                ("password", "0123456789"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = br
        .post(
            "/leads/minh%40vng.com.vn/feedback",
            &[
                ("csrf", &csrf),
                ("kind", "rejected"),
                ("reason", "no budget"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "sales records feedback: {}", r.body);

    // An admin can, and the activation shows as a job.
    let mut admin = Browser::new(&s);
    admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let csrf = admin.csrf("/model").await;
    let r = admin.post("/model/2/activate", &[("csrf", &csrf)]).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/model?done=activating")
    );
    let r = admin
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("email", "New@Acme.vn"),
                ("password", "long enough pw"),
                ("role", "marketing"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let users = admin.get("/users").await.body;
    assert!(users.contains("new@acme.vn"));
}

async fn a_script_in_a_lead_name_shows_as_text(b: Backend) {
    let s = start(b).await;
    let evil = "<script>alert(1)</script>";
    let (status, body) = s
        .admin(
            reqwest::Method::PUT,
            "/api/leads/x%22%3E%3Cimg",
            json!({"attributes": {"name": evil, "email": "evil@example.com", "job_title": evil}, "owner": "<b>o</b>"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let mut br = Browser::new(&s);
    br.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for path in ["/leads", "/leads/x%22%3E%3Cimg", "/leads?q=%3Cscript%3E"] {
        let page = br.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(evil), "{path} holds the raw script");
        assert!(
            !page.body.contains("<b>o</b>") && !page.body.contains("\"><img"),
            "{path}"
        );
        assert!(
            page.body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {}",
            page.body
        );
    }
}

async fn the_language_is_chosen_and_remembered(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    let mut br = Browser::new(&s);
    br.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = br.get("/lang/vi?next=%2Fleads%3Fhot%3Dtrue").await;
    assert_eq!((r.status, r.location.as_str()), (303, "/leads?hot=true"));
    assert!(r.set_cookies[0].starts_with("ls_lang=vi"));
    let page = br.get("/leads").await.body;
    assert!(page.contains("lang=\"vi\""));
    assert!(
        page.contains("Khách hàng tiềm năng")
            && page.contains("Giai đoạn")
            && page.contains("Điểm")
    );
    let r = br.get("/lang/en?next=https://evil.example").await;
    assert_eq!(r.location, "/leads", "only local redirects");
    assert!(br.get("/funnel").await.body.contains("lang=\"en\""));

    // Without the cookie, Accept-Language decides.
    let r = reqwest::Client::new()
        .get(s.url("/login"))
        .header("Accept-Language", "vi-VN,vi;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("Đăng nhập"));
}

async fn every_page_renders_with_data(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    let mut br = Browser::new(&s);
    br.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (path, expect) in [
        ("/", ""),
        ("/leads", "Trần Thị Lan"),
        ("/leads?hot=true&min_score=1", ""),
        ("/leads/lan%40fpt.com.vn", "Every point explained"),
        ("/accounts", "fpt.com.vn"),
        ("/accounts/fpt.com.vn", "Trần Thị Lan"),
        ("/funnel", "Reached on the first try"),
        ("/funnel?by=campaign&from=2020-01-01", "By campaign"),
        ("/matrix", "A1"),
        ("/model", "Active rules"),
        ("/deliveries", "Webhook deliveries"),
        ("/users", ADMIN_EMAIL),
        ("/assets/uPlot.min.js", "uPlot"),
    ] {
        let r = br.get(path).await;
        let ok = if path == "/" {
            r.status == 303
        } else {
            r.status == 200
        };
        assert!(ok, "{path}: {} {}", r.status, r.body);
        assert!(r.body.contains(expect), "{path} lacks {expect}");
    }
    let r = br.get("/leads/nobody").await;
    assert_eq!(r.status, 404);
    let r = br.get("/leads?min_score=abc").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("min_score"));
}

async fn backtests_start_from_the_model_page(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    let v2 = s
        .admin(
            reqwest::Method::POST,
            "/api/models",
            common::B2B.replace("b2b-saas", "b2b-v2"),
        )
        .await;
    assert_eq!(v2.0, 201, "{}", v2.1);
    add_sales_user(&s).await;

    // Sales sees no form and cannot start one.
    let mut sales = Browser::new(&s);
    sales.log_in(SALES_EMAIL, SALES_PASSWORD).await;
    let csrf = sales.csrf("/model").await;
    assert!(!sales.get("/model").await.body.contains("backtest-form"));
    let r = sales
        .post("/model/backtest", &[("csrf", &csrf), ("model", "1")])
        .await;
    assert_eq!(r.status, 403);

    let mut admin = Browser::new(&s);
    admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let csrf = admin.csrf("/model").await;
    let r = admin
        .post(
            "/model/backtest",
            &[("csrf", "not the token"), ("model", "1"), ("compare", "2")],
        )
        .await;
    assert_eq!(r.status, 403, "no CSRF token, no job");
    let r = admin
        .post(
            "/model/backtest",
            &[("csrf", &csrf), ("model", "1"), ("compare", "1")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("compare"), "{}", r.body);
    let r = admin
        .post(
            "/model/backtest",
            &[("csrf", &csrf), ("model", "1"), ("compare", "2")],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/model?done=backtest#backtests")
    );
    // The page follows the job (it reloads itself while the job runs) and
    // then shows both versions' weekly lines.
    let mut page = String::new();
    for _ in 0..100 {
        page = admin.get("/model?done=backtest").await.body;
        if page.contains("id=\"replay-") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(page.contains("id=\"replay-"), "no result: {page}");
    assert!(page.contains("Backtest started"));
    assert!(
        page.contains("b2b-v2") && page.contains("stage mql"),
        "{page}"
    );
}

async fn the_bant_questions_follow_the_active_model(b: Backend) {
    let s = start(b).await;
    seed(&s).await;
    let mut br = Browser::new(&s);
    br.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = br.get("/leads/minh%40vng.com.vn").await.body;
    for field in [
        "answer.budget",
        "answer.seniority",
        "answer.need",
        "answer.timeline",
    ] {
        assert!(page.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(
        page.contains("<option value=\"c-level\">"),
        "suggested values"
    );
    let csrf = value_of(&page, "csrf");
    let r = br
        .post(
            "/leads/minh%40vng.com.vn/feedback",
            &[
                ("csrf", &csrf),
                ("kind", "bant"),
                ("answer.budget", "12000"),
                ("answer.seniority", "vp"),
                ("answer.not_a_question", "ignored"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let lead = s.ok("/api/leads/minh%40vng.com.vn").await;
    let attributes = &lead["profile"];
    assert_eq!(attributes["budget"].as_f64(), Some(12000.0), "{lead}");
    assert_eq!(attributes["seniority"], json!("vp"));
    assert!(attributes.get("not_a_question").is_none());

    // Another model's [bant] asks other questions.
    let other = common::B2B.replace(
        "budget = \"budget >= 5000\"",
        "budget = \"annual_budget >= 10000\"",
    );
    assert_ne!(
        other,
        common::B2B,
        "the example model's budget line changed"
    );
    let (status, body) = s.admin(reqwest::Method::POST, "/api/models", other).await;
    assert_eq!(status, 201, "{body}");
    let csrf = br.csrf("/model").await;
    br.post("/model/2/activate", &[("csrf", &csrf)]).await;
    let mut page = String::new();
    for _ in 0..100 {
        page = br.get("/leads/minh%40vng.com.vn").await.body;
        if page.contains("answer.annual_budget") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("name=\"answer.annual_budget\""), "{page}");
    assert!(!page.contains("name=\"answer.budget\""));
}
