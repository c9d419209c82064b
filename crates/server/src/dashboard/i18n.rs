//! The dashboard's languages: every text in English and Vietnamese, and
//! numbers and dates written the way each language writes them.
//!
//! The catalogue is one macro call: each key must be given both texts, so a
//! missing translation is a compile error, and templates read texts as
//! struct fields, so a misspelt key is one too.

use time::OffsetDateTime;

/// A language the dashboard speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Vietnamese.
    Vi,
}

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "ls_lang";

impl Lang {
    /// The language's code, as in `lang` attributes and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }

    /// Reads a language code.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "vi" => Some(Lang::Vi),
            _ => None,
        }
    }

    /// The chosen language: the cookie's, else the first supported one in
    /// `Accept-Language`, else English.
    pub fn choose(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie.and_then(Lang::parse).unwrap_or_else(|| {
            accept_language
                .into_iter()
                .flat_map(|h| h.split(','))
                .filter_map(|part| part.split(';').next())
                .filter_map(|tag| Lang::parse(tag.split('-').next().unwrap_or(tag)))
                .next()
                .unwrap_or(Lang::En)
        })
    }

    /// Every text in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Vi => &VI,
        }
    }

    /// `x` with `decimals` digits after the point and grouped thousands:
    /// `1,234.5` in English, `1.234,5` in Vietnamese.
    pub fn num(self, x: f64, decimals: usize) -> String {
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::Vi => ('.', ','),
        };
        let text = format!("{:.*}", decimals, x.abs());
        let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
        // "-0" for a value that rounds to zero would read oddly.
        if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            out.push('-');
        }
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    /// A share as a percentage with one decimal, `—` when there is none.
    pub fn pct(self, share: Option<f64>) -> String {
        share.map_or_else(
            || "—".to_owned(),
            |s| format!("{}%", self.num(s * 100.0, 1)),
        )
    }

    /// A date: `Nov 28, 2026` in English, `28/11/2026` in Vietnamese (UTC).
    pub fn date(self, ms: i64) -> String {
        let Some(t) = utc(ms) else {
            return "—".to_owned();
        };
        match self {
            Lang::En => format!(
                "{} {}, {}",
                MONTHS[usize::from(u8::from(t.month())) - 1],
                t.day(),
                t.year()
            ),
            Lang::Vi => format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year()),
        }
    }

    /// A date and time to the minute, UTC.
    pub fn datetime(self, ms: i64) -> String {
        match utc(ms) {
            Some(t) => format!("{} {:02}:{:02}", self.date(ms), t.hour(), t.minute()),
            None => "—".to_owned(),
        }
    }

    /// A duration in days with one decimal.
    pub fn days(self, ms: i64) -> String {
        format!(
            "{} {}",
            self.num(ms as f64 / 86_400_000.0, 1),
            self.texts().days
        )
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn utc(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

macro_rules! catalogue {
    ($($key:ident: $en:literal, $vi:literal;)*) => {
        /// Every text of the dashboard in one language.
        #[allow(missing_docs)]
        #[derive(Debug)]
        pub struct Texts {
            $(pub $key: &'static str,)*
        }

        /// English.
        pub static EN: Texts = Texts { $($key: $en,)* };
        /// Vietnamese.
        pub static VI: Texts = Texts { $($key: $vi,)* };
    };
}

catalogue! {
    nav_leads: "Hot leads", "Khách hàng tiềm năng";
    nav_accounts: "Accounts", "Doanh nghiệp";
    nav_funnel: "Funnel", "Phễu chuyển đổi";
    nav_matrix: "Matrix", "Ma trận";
    nav_model: "Model", "Mô hình";
    nav_deliveries: "Deliveries", "Gửi webhook";
    nav_users: "Users", "Người dùng";
    as_of: "As of", "Số liệu lúc";
    updating: "updating…", "đang cập nhật…";
    computing: "Counting every lead for this page…", "Đang đếm toàn bộ khách hàng tiềm năng cho trang này…";
    computing_note: "With many leads this takes a little while the first time after a start. The page reloads by itself and shows the figures as soon as they are ready; afterwards they are kept up to date in the background.", "Khi có nhiều khách hàng tiềm năng, lần đầu sau khi khởi động sẽ mất một lúc. Trang tự tải lại và hiện số liệu ngay khi có; sau đó số liệu được cập nhật ngầm.";
    logout: "Log out", "Đăng xuất";
    signed_in_as: "Signed in as", "Đăng nhập với";
    login_title: "Log in to leadscore", "Đăng nhập vào leadscore";
    email: "Email", "Email";
    password: "Password", "Mật khẩu";
    login_button: "Log in", "Đăng nhập";
    login_failed: "Wrong email or password.", "Sai email hoặc mật khẩu.";
    login_locked: "Too many failed attempts. Try again in a few minutes.", "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau vài phút.";
    language: "Language", "Ngôn ngữ";
    score: "Score", "Điểm";
    fit: "Fit", "Mức phù hợp";
    engagement: "Engagement", "Mức tương tác";
    cell: "Cell", "Ô ma trận";
    stage: "Stage", "Giai đoạn";
    owner: "Owner", "Người phụ trách";
    last_activity: "Last activity", "Hoạt động gần nhất";
    trend: "Trend", "Xu hướng";
    top_reasons: "Top reasons", "Lý do chính";
    name: "Name", "Tên";
    account: "Account", "Doanh nghiệp";
    search: "Search", "Tìm kiếm";
    search_placeholder: "Name, email, id or account", "Tên, email, mã hoặc doanh nghiệp";
    filter: "Filter", "Lọc";
    all: "All", "Tất cả";
    hot_only: "Hot only", "Chỉ khách nóng";
    min_score: "Min. score", "Điểm tối thiểu";
    next_page: "Next page", "Trang sau";
    first_page: "First page", "Trang đầu";
    no_leads: "No leads match.", "Không có khách hàng tiềm năng nào phù hợp.";
    never: "never", "chưa có";
    hot: "hot", "nóng";
    lead_title: "Lead", "Khách hàng tiềm năng";
    profile: "Profile", "Hồ sơ";
    attribute: "Attribute", "Thuộc tính";
    value: "Value", "Giá trị";
    email_quality: "Email quality", "Chất lượng email";
    valid: "Valid", "Hợp lệ";
    disposable: "Disposable", "Dùng một lần";
    role_address: "Role address", "Địa chỉ chung (info@, sales@…)";
    free_provider: "Free provider", "Nhà cung cấp miễn phí";
    corporate: "Corporate", "Email doanh nghiệp";
    yes: "yes", "có";
    no: "no", "không";
    bant: "BANT", "BANT";
    qualifies_when: "holds when", "đạt khi";
    no_bant: "The active model defines no BANT criteria that read profile answers.", "Mô hình đang dùng không có tiêu chí BANT nào đọc câu trả lời trong hồ sơ.";
    bant_budget: "Budget", "Ngân sách";
    bant_authority: "Authority", "Thẩm quyền";
    bant_need: "Need", "Nhu cầu";
    bant_timeline: "Timeline", "Thời điểm mua";
    groups: "Score per group", "Điểm theo nhóm";
    group: "Group", "Nhóm";
    total: "Total", "Tổng điểm";
    predicted: "Predicted probability of converting", "Xác suất chuyển đổi dự đoán";
    factors: "Top factors", "Yếu tố chính";
    effect: "Effect", "Ảnh hưởng";
    no_predictor: "The active rules use no trained model.", "Bộ quy tắc đang dùng chưa gắn mô hình đã huấn luyện.";
    explanation: "Every point explained", "Giải thích từng điểm";
    rule: "Rule", "Quy tắc";
    kind: "Kind", "Loại";
    condition: "Condition", "Điều kiện";
    counted: "Events counted", "Sự kiện được tính";
    before_decay: "Before decay", "Trước suy giảm";
    points: "Points", "Điểm";
    kind_fit: "fit", "phù hợp";
    kind_engagement: "engagement", "tương tác";
    kind_signal: "signal", "tín hiệu";
    timeline: "Event timeline", "Dòng thời gian sự kiện";
    event: "Event", "Sự kiện";
    time: "Time", "Thời gian";
    earned: "Points earned", "Điểm nhận được";
    score_history: "Score history", "Lịch sử điểm";
    stage_history: "Stage history", "Lịch sử giai đoạn";
    cause: "Cause", "Nguyên nhân";
    feedback: "Sales feedback", "Phản hồi của bộ phận kinh doanh";
    feedback_kind: "What happened", "Kết quả";
    fk_contact: "Contact attempt", "Lần liên hệ";
    fk_accepted: "Accepted as a sales lead", "Chấp nhận là khách hàng tiềm năng";
    fk_rejected: "Rejected", "Từ chối";
    fk_opportunity: "Opportunity opened", "Mở cơ hội bán hàng";
    fk_won: "Won", "Chốt thành công";
    fk_lost: "Lost", "Không thành công";
    fk_bant: "BANT answers", "Trả lời BANT";
    reached: "Reached the lead", "Đã liên lạc được";
    first_try: "On the first try", "Ngay lần đầu";
    reason: "Reason", "Lý do";
    deal_value: "Deal value", "Giá trị thương vụ";
    note: "Note", "Ghi chú";
    save: "Save", "Lưu";
    feedback_saved: "Feedback recorded.", "Đã ghi nhận phản hồi.";
    recorded_by: "Recorded by", "Người ghi nhận";
    no_feedback: "No feedback yet.", "Chưa có phản hồi.";
    contacts: "Contacts", "Người liên hệ";
    engaged_contacts: "Engaged", "Đang tương tác";
    hot_contacts: "Hot", "Nóng";
    best_fit: "Best fit", "Phù hợp cao nhất";
    best_total: "Best score", "Điểm cao nhất";
    total_engagement: "Total engagement", "Tổng tương tác";
    traits: "Traits", "Đặc điểm";
    no_accounts: "No accounts yet.", "Chưa có doanh nghiệp nào.";
    from: "From", "Từ ngày";
    to: "To", "Đến ngày";
    source: "Source", "Nguồn";
    campaign: "Campaign", "Chiến dịch";
    leads: "Leads", "Số khách";
    entered: "Entered", "Đã vào";
    reached_stage: "Reached", "Đã đạt";
    median_time: "Median time in stage", "Thời gian trung vị ở giai đoạn";
    conversion: "Conversion", "Tỷ lệ chuyển đổi";
    step: "Step", "Bước";
    rate: "Rate", "Tỷ lệ";
    typical: "typical", "mức thường gặp";
    first_try_rate: "Reached on the first try", "Liên lạc được ngay lần đầu";
    won: "Won", "Chốt thành công";
    by_month: "By month of creation", "Theo tháng tạo";
    by_source: "By source", "Theo nguồn";
    by_campaign: "By campaign", "Theo chiến dịch";
    by_band: "Conversion by score band", "Chuyển đổi theo khoảng điểm";
    by_cell: "Conversion by cell", "Chuyển đổi theo ô ma trận";
    band: "Band", "Khoảng điểm";
    days: "days", "ngày";
    month: "Month", "Tháng";
    none_value: "(none)", "(không có)";
    matrix_title: "Fit × engagement matrix", "Ma trận phù hợp × tương tác";
    matrix_help: "Rows: fit (A is the best). Columns: engagement (1 is the highest). Each cell shows its leads and the share at SQL or beyond; click a cell to open its leads.", "Hàng: mức phù hợp (A là cao nhất). Cột: mức tương tác (1 là cao nhất). Mỗi ô cho biết số khách hàng tiềm năng và tỷ lệ đã tới SQL trở lên; bấm vào ô để xem danh sách.";
    sql_or_beyond: "at SQL or beyond", "đã tới SQL trở lên";
    model_title: "Scoring model", "Mô hình chấm điểm";
    active_rules: "Active rules", "Bộ quy tắc đang dùng";
    versions: "Versions", "Các phiên bản";
    version: "Version", "Phiên bản";
    created: "Created", "Ngày tạo";
    active: "active", "đang dùng";
    preview: "Preview impact", "Xem trước tác động";
    activate: "Activate", "Kích hoạt";
    upload: "Upload a new version", "Tải lên phiên bản mới";
    upload_help: "Paste a model file (TOML). It is checked and stored as an inactive version, and a preview of its impact on the live leads starts at once.", "Dán tệp mô hình (TOML). Tệp được kiểm tra và lưu thành phiên bản chưa kích hoạt, rồi hệ thống xem trước ngay tác động lên các khách hàng tiềm năng hiện có.";
    model_file: "Model file", "Tệp mô hình";
    jobs: "Jobs", "Tác vụ";
    job_running: "running", "đang chạy";
    job_done: "done", "đã xong";
    job_failed: "failed", "thất bại";
    progress: "Progress", "Tiến độ";
    result: "Result", "Kết quả";
    stage_changes: "Leads changing stage", "Khách đổi giai đoạn";
    cell_changes: "Leads changing cell", "Khách đổi ô ma trận";
    new_mqls: "New MQLs", "MQL mới";
    lost_mqls: "MQLs lost", "MQL bị mất";
    compared_leads: "Leads compared", "Số khách được so sánh";
    backtests: "Backtests and comparisons", "Kiểm định lại và so sánh";
    no_backtests: "No backtest has run since the server started.", "Chưa có lần kiểm định lại nào kể từ khi máy chủ khởi động.";
    backtest_title: "Backtest on the event log", "Kiểm định lại trên nhật ký sự kiện";
    backtest_help: "Replays every lead's events week by week under a version (and, to compare, under a second one): how many leads would have become MQLs each week, and how many of them sales accepted and won. Runs in the background; this page shows its progress and then its result.", "Phát lại sự kiện của mọi khách hàng theo từng tuần với một phiên bản (và, để so sánh, với phiên bản thứ hai): mỗi tuần bao nhiêu khách sẽ thành MQL, và bao nhiêu trong số đó được đội bán hàng chấp nhận và chốt. Chạy ngầm; trang này hiện tiến độ rồi kết quả.";
    backtest_version: "Version to test", "Phiên bản cần kiểm định";
    compare_with: "Compare with (optional)", "So sánh với (không bắt buộc)";
    run_backtest: "Run backtest", "Chạy kiểm định";
    backtest_started: "Backtest started; its progress shows below.", "Đã bắt đầu kiểm định; tiến độ hiện bên dưới.";
    weeks: "weeks", "tuần";
    per_week: "Per week", "Mỗi tuần";
    new_past_line: "New past the line", "Mới vượt ngưỡng";
    holdout_auc: "ROC AUC on held-out leads", "ROC AUC trên tập kiểm tra";
    top_10: "Converters in the top 10%", "Người chuyển đổi trong 10% đầu";
    line: "Line", "Ngưỡng";
    caught: "Converters caught", "Tỷ lệ bắt được";
    calibration: "Calibration of the trained model", "Hiệu chuẩn của mô hình đã huấn luyện";
    calibration_help: "Predicted probability against the observed conversion rate on held-out leads; a well calibrated model follows the diagonal.", "Xác suất dự đoán so với tỷ lệ chuyển đổi thực tế trên tập kiểm tra; mô hình hiệu chuẩn tốt sẽ bám theo đường chéo.";
    predicted_rate: "Predicted", "Dự đoán";
    observed_rate: "Observed", "Thực tế";
    no_trained: "No trained model yet (leadscore train or POST /api/train).", "Chưa có mô hình được huấn luyện (leadscore train hoặc POST /api/train).";
    deliveries_title: "Webhook deliveries", "Gửi webhook";
    status: "Status", "Trạng thái";
    st_pending: "pending", "đang chờ";
    st_delivered: "delivered", "đã gửi";
    st_dead: "failed", "thất bại";
    attempts: "Attempts", "Số lần thử";
    next_attempt: "Next attempt", "Lần thử tiếp theo";
    last_error: "Last error", "Lỗi gần nhất";
    retry: "Retry", "Gửi lại";
    webhook: "Webhook", "Webhook";
    trigger: "Trigger", "Điều kiện kích hoạt";
    no_deliveries: "No deliveries.", "Chưa có lần gửi nào.";
    retry_started: "The delivery will be sent again now.", "Lần gửi sẽ được thực hiện lại ngay.";
    users_title: "Users", "Người dùng";
    role: "Role", "Vai trò";
    role_admin: "Admin", "Quản trị viên";
    role_marketing: "Marketing", "Tiếp thị";
    role_sales: "Sales", "Kinh doanh";
    add_user: "Add a user", "Thêm người dùng";
    change: "Change", "Đổi";
    delete: "Delete", "Xóa";
    user_added: "User added.", "Đã thêm người dùng.";
    email_taken: "That email already has an account.", "Email này đã có tài khoản.";
    password_short: "The password needs at least 10 characters.", "Mật khẩu cần ít nhất 10 ký tự.";
    forbidden: "Your role cannot do that.", "Vai trò của bạn không được phép làm việc này.";
    not_found: "Not found.", "Không tìm thấy.";
    error_title: "Something went wrong", "Đã có lỗi xảy ra";
    bad_form: "The form was out of date; please try again.", "Biểu mẫu đã hết hạn; vui lòng thử lại.";
    back: "Back", "Quay lại";
    saved: "Saved.", "Đã lưu.";
    model_uploaded: "Version stored; its preview is running.", "Đã lưu phiên bản; đang xem trước tác động.";
    activation_started: "Activation started: every lead is being rescored.", "Đã bắt đầu kích hoạt: đang chấm điểm lại mọi khách hàng tiềm năng.";
    preview_started: "Preview started.", "Đã bắt đầu xem trước.";
    events_label: "Events", "Sự kiện";
    created_at: "First seen", "Lần đầu xuất hiện";
    probability: "Probability", "Xác suất";
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(Lang::En.num(1234.5, 1), "1,234.5");
        assert_eq!(Lang::Vi.num(1234.5, 1), "1.234,5");
        assert_eq!(Lang::En.num(-1_234_567.0, 0), "-1,234,567");
        assert_eq!(Lang::Vi.num(-0.01, 1), "0,0");
        assert_eq!(Lang::En.num(999.0, 0), "999");
        assert_eq!(Lang::Vi.pct(Some(0.125)), "12,5%");
        // 2026-11-28T06:21:00Z
        let ms = 1_795_846_860_000;
        assert_eq!(Lang::En.datetime(ms), "Nov 28, 2026 06:21");
        assert_eq!(Lang::Vi.date(ms), "28/11/2026");
    }

    #[test]
    fn the_cookie_wins_then_accept_language() {
        assert_eq!(Lang::choose(Some("vi"), Some("en-US")), Lang::Vi);
        assert_eq!(
            Lang::choose(None, Some("fr-FR,vi;q=0.8,en;q=0.5")),
            Lang::Vi
        );
        assert_eq!(Lang::choose(Some("xx"), None), Lang::En);
    }
}
