//! Leads worth looking at in the dashboard: people at a few companies with
//! weeks of visits, a failing webhook, a second model version, and a lead
//! whose name is a script.

use super::TestServer;
use serde_json::json;

/// People: id, name, title, seniority, company, source, pages visited.
const PEOPLE: [(&str, &str, &str, &str, &str, &str, usize); 12] = [
    (
        "lan@fpt.com.vn",
        "Trần Thị Lan",
        "CTO",
        "c-level",
        "fpt.com.vn",
        "google",
        9,
    ),
    (
        "minh@fpt.com.vn",
        "Lê Văn Minh",
        "IT Director",
        "director",
        "fpt.com.vn",
        "linkedin",
        6,
    ),
    (
        "hoa@fpt.com.vn",
        "Phạm Thu Hoa",
        "Engineer",
        "staff",
        "fpt.com.vn",
        "google",
        2,
    ),
    (
        "tuan@vng.com.vn",
        "Nguyễn Anh Tuấn",
        "VP Sales",
        "vp",
        "vng.com.vn",
        "webinar",
        7,
    ),
    (
        "mai@vng.com.vn",
        "Đỗ Ngọc Mai",
        "Marketing Manager",
        "manager",
        "vng.com.vn",
        "google",
        4,
    ),
    (
        "quang@tiki.vn",
        "Hoàng Quang",
        "Head of Data",
        "director",
        "tiki.vn",
        "referral",
        5,
    ),
    (
        "thao@tiki.vn",
        "Vũ Phương Thảo",
        "Analyst",
        "staff",
        "tiki.vn",
        "google",
        1,
    ),
    (
        "jessica@acme.com",
        "Jessica Lee",
        "COO",
        "c-level",
        "acme.com",
        "linkedin",
        8,
    ),
    (
        "david@acme.com",
        "David Chen",
        "Procurement",
        "manager",
        "acme.com",
        "google",
        3,
    ),
    (
        "linh@momo.vn",
        "Bùi Khánh Linh",
        "Product Owner",
        "manager",
        "momo.vn",
        "webinar",
        4,
    ),
    (
        "son@momo.vn",
        "Trịnh Hoài Sơn",
        "CEO",
        "c-level",
        "momo.vn",
        "referral",
        3,
    ),
    (
        "an@gmail.com",
        "Nguyễn An",
        "Student",
        "staff",
        "",
        "facebook",
        1,
    ),
];

const PAGES: [&str; 5] = [
    "/pricing",
    "/demo",
    "/features",
    "/vi/bang-gia",
    "/blog/lead-scoring",
];

/// Sends the people's profiles, companies and visits, a failing webhook
/// and a second model version.
pub async fn dashboard_data(s: &TestServer) {
    let day = 86_400_000_i64;
    let now = leadscore_server::clock::now_ms();
    let (status, body) = s
        .admin(
            reqwest::Method::PUT,
            "/api/webhooks/crm",
            json!({"url": "http://127.0.0.1:9/hooks", "max_attempts": 1, "timeout_ms": 200})
                .to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for (i, (id, name, title, seniority, company, source, visits)) in PEOPLE.iter().enumerate() {
        let mut traits = json!({"email": id, "name": name, "job_title": title, "seniority": seniority,
            "source": source, "campaign": if i % 2 == 0 { "q4-launch" } else { "webinar-series" }});
        if i % 3 == 0 {
            traits["budget"] = json!(20000);
            traits["need"] = json!("lead routing");
        }
        let at = |d: i64| time_text(now - d * day + i as i64 * 3_600_000);
        let (status, body) = s
            .send(
                "/v1/identify",
                &json!({"userId": id, "traits": traits, "timestamp": at(30)}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        if !company.is_empty() {
            s.send(
                "/v1/group",
                &json!({"userId": id, "groupId": company, "timestamp": at(30),
                    "traits": {"name": company, "employees": 500 + 100 * i}}),
            )
            .await;
        }
        for v in 0..*visits {
            let path = PAGES[(i + v) % PAGES.len()];
            s.send(
                "/v1/page",
                &json!({"userId": id, "name": "Page", "properties": {"path": path},
                    "messageId": format!("{id}-p{v}"), "timestamp": at(28 - 3 * v as i64)}),
            )
            .await;
        }
        if *visits >= 6 {
            s.send(
                "/v1/track",
                &json!({"userId": id, "event": "Form Submitted", "properties": {"form": "demo"},
                    "messageId": format!("{id}-demo"), "timestamp": at(1)}),
            )
            .await;
        }
    }
    let (status, body) = s
        .admin(
            reqwest::Method::PUT,
            "/api/leads/evil",
            json!({"attributes": {"name": "<script>alert(1)</script>", "email": "evil@example.com",
                "job_title": "<img src=x onerror=alert(2)>"}})
            .to_string(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = s
        .admin(
            reqwest::Method::POST,
            "/api/models",
            super::B2B.replace("points = 25", "points = 30"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A backtest comparing the two versions, and a trained model, on
    // leads with known outcomes.
    let csv = outcomes_csv();
    for path in [
        "/api/backtest?outcome=converted&id=id&compare=2",
        "/api/train?outcome=converted&id=id",
    ] {
        let (status, body) = s.admin(reqwest::Method::POST, path, csv.clone()).await;
        assert_eq!(status, 202, "{path}: {body}");
        let job = s.wait_job(body["job"].as_u64().unwrap()).await;
        assert_eq!(job["state"], "done", "{path}: {job}");
    }
}

/// 400 leads whose conversion follows seniority and company size.
fn outcomes_csv() -> String {
    let mut csv = String::from("id,seniority,company_size,country,budget,converted\n");
    for i in 0..400u32 {
        let seniority = ["c-level", "vp", "director", "manager", "staff"][(i % 5) as usize];
        let size = 20 + (i * 37) % 3000;
        let country = ["VN", "SG", "US"][(i % 3) as usize];
        let budget = (i * 53) % 40_000;
        // Deterministic noise: senior people at mid-size companies convert more.
        let odds = u32::from(i % 5 < 3) * 2
            + u32::from((50..=5000).contains(&size))
            + u32::from(budget > 5000);
        let converted = (i * 7919) % 10 < odds * 2;
        csv.push_str(&format!(
            "L{i},{seniority},{size},{country},{budget},{}\n",
            u8::from(converted)
        ));
    }
    csv
}

/// RFC 3339 of a time in ms.
fn time_text(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}
