//! Word lists the generator draws from.
//!
//! Vietnamese words come with their ASCII spelling next to them, because
//! domains and e-mail local parts must be plain ASCII and stripping
//! diacritics at run time would cost more than the whole event.

/// The marketing site the synthetic visitors browse.
macro_rules! site {
    () => {
        "https://www.leadscore.vn"
    };
}

/// Industries with their share of companies and the Vietnamese word that
/// goes into a company name ("Công ty Cổ phần Công nghệ ...").
pub(super) const INDUSTRIES: &[((&str, &str), f64)] = &[
    (("Software", "Công nghệ"), 15.0),
    (("Finance", "Tài chính"), 10.0),
    (("Retail", "Thương mại"), 16.0),
    (("Manufacturing", "Sản xuất"), 16.0),
    (("Education", "Giáo dục"), 9.0),
    (("Healthcare", "Y tế"), 8.0),
    (("Logistics", "Vận tải"), 10.0),
    (("Real Estate", "Bất động sản"), 9.0),
    (("Government", "Dịch vụ công"), 7.0),
];

/// First half of a Vietnamese trade name: (display, ASCII).
pub(super) const VN_NAME_A: &[(&str, &str)] = &[
    ("Minh", "minh"),
    ("Hoàng", "hoang"),
    ("Phú", "phu"),
    ("Đại", "dai"),
    ("Tân", "tan"),
    ("Phúc", "phuc"),
    ("Kim", "kim"),
    ("Hải", "hai"),
    ("Sơn", "son"),
    ("Bảo", "bao"),
    ("Đông", "dong"),
    ("Trường", "truong"),
    ("Hòa", "hoa"),
    ("Thái", "thai"),
    ("Gia", "gia"),
    ("Nhật", "nhat"),
    ("Hồng", "hong"),
    ("Thiên", "thien"),
    ("Vạn", "van"),
    ("Sao", "sao"),
    ("Bình", "binh"),
    ("Hữu", "huu"),
    ("Ánh", "anh"),
    ("Bắc", "bac"),
    ("Cát", "cat"),
];

/// Second half of a Vietnamese trade name: (display, ASCII).
pub(super) const VN_NAME_B: &[(&str, &str)] = &[
    ("Phát", "phat"),
    ("Long", "long"),
    ("Thịnh", "thinh"),
    ("Khang", "khang"),
    ("Hưng", "hung"),
    ("Lộc", "loc"),
    ("Tín", "tin"),
    ("Thành", "thanh"),
    ("Việt", "viet"),
    ("Phong", "phong"),
    ("Đạt", "dat"),
    ("Tiến", "tien"),
    ("Quang", "quang"),
    ("Sáng", "sang"),
    ("Hà", "ha"),
    ("Á", "a"),
    ("Dương", "duong"),
    ("Vượng", "vuong"),
    ("Lợi", "loi"),
    ("Nguyên", "nguyen"),
    ("Toàn", "toan"),
    ("Khải", "khai"),
    ("Trí", "tri"),
    ("Tâm", "tam"),
    ("Mỹ", "my"),
];

/// Legal forms that open a Vietnamese company name.
pub(super) const VN_LEGAL: &[&str] = &[
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty TNHH MTV",
    "Tập đoàn",
    "Công ty CP",
];

/// First word of an English company name: (display, ASCII).
pub(super) const EN_NAME_A: &[(&str, &str)] = &[
    ("Saigon", "saigon"),
    ("Mekong", "mekong"),
    ("Lotus", "lotus"),
    ("Golden", "golden"),
    ("Pacific", "pacific"),
    ("Delta", "delta"),
    ("Red River", "redriver"),
    ("Bamboo", "bamboo"),
    ("Dragon", "dragon"),
    ("Phoenix", "phoenix"),
    ("Jade", "jade"),
    ("Silver", "silver"),
    ("Blue Ocean", "blueocean"),
    ("Sunrise", "sunrise"),
    ("Highland", "highland"),
    ("Lighthouse", "lighthouse"),
    ("Indochina", "indochina"),
    ("Orchid", "orchid"),
    ("Coral", "coral"),
    ("Evergreen", "evergreen"),
    ("Summit", "summit"),
    ("Horizon", "horizon"),
    ("Harbor", "harbor"),
    ("Nova", "nova"),
    ("Apex", "apex"),
];

/// Second word of an English company name: (display, ASCII, industry it
/// suggests, if any).
pub(super) const EN_NAME_B: &[(&str, &str, Option<&str>)] = &[
    ("Logistics", "logistics", Some("Logistics")),
    ("Tech", "tech", Some("Software")),
    ("Solutions", "solutions", None),
    ("Trading", "trading", Some("Retail")),
    ("Software", "software", Some("Software")),
    ("Foods", "foods", Some("Retail")),
    ("Consulting", "consulting", None),
    ("Capital", "capital", Some("Finance")),
    ("Retail", "retail", Some("Retail")),
    ("Manufacturing", "mfg", Some("Manufacturing")),
    ("Academy", "academy", Some("Education")),
    ("Health", "health", Some("Healthcare")),
    ("Properties", "properties", Some("Real Estate")),
    ("Systems", "systems", Some("Software")),
    ("Digital", "digital", Some("Software")),
    ("Ventures", "ventures", Some("Finance")),
    ("Labs", "labs", Some("Software")),
    ("Partners", "partners", None),
    ("Industries", "industries", Some("Manufacturing")),
    ("Express", "express", Some("Logistics")),
    ("Finance", "finance", Some("Finance")),
    ("Medical", "medical", Some("Healthcare")),
    ("Land", "land", Some("Real Estate")),
    ("Education", "edu", Some("Education")),
    ("Group", "group", None),
];

/// A country the synthetic companies are based in.
pub(super) struct Country {
    /// ISO 3166 code, as stored in the `country` attribute.
    pub code: &'static str,
    /// Share among companies with an English name (Vietnamese-named ones
    /// are all in Vietnam).
    pub weight: f64,
    /// Cities and their weights.
    pub cities: &'static [(&'static str, f64)],
    /// Domain endings.
    pub tlds: &'static [&'static str],
    /// Legal suffixes of English names (a trailing space marks a prefix).
    pub legal: &'static [&'static str],
    /// Phone patterns; each `x` becomes a random digit.
    pub phones: &'static [&'static str],
}

/// Vietnam, listed first so that Vietnamese-named companies can point at it.
pub(super) const VIETNAM: usize = 0;

/// Countries for companies with an English name.
pub(super) const COUNTRIES: &[Country] = &[
    Country {
        code: "VN",
        weight: 20.0,
        cities: &[
            ("Ho Chi Minh City", 45.0),
            ("Hanoi", 35.0),
            ("Da Nang", 8.0),
            ("Hai Phong", 5.0),
            ("Can Tho", 4.0),
            ("Bien Hoa", 2.0),
            ("Nha Trang", 1.0),
        ],
        tlds: &[".vn", ".com.vn", ".com"],
        legal: &["JSC", "Co., Ltd", "Group", "Corporation"],
        phones: &[
            "+84 9xx xxx xxx",
            "+84 9xx xxx xxx",
            "+84 3xx xxx xxx",
            "+84 8xx xxx xxx",
        ],
    },
    Country {
        code: "SG",
        weight: 30.0,
        cities: &[("Singapore", 1.0)],
        tlds: &[".sg", ".com.sg", ".com"],
        legal: &["Pte. Ltd."],
        phones: &["+65 9xxx xxxx", "+65 8xxx xxxx"],
    },
    Country {
        code: "TH",
        weight: 14.0,
        cities: &[("Bangkok", 85.0), ("Chiang Mai", 15.0)],
        tlds: &[".co.th", ".com"],
        legal: &["Co., Ltd.", "Public Co."],
        phones: &["+66 8x xxx xxxx", "+66 9x xxx xxxx"],
    },
    Country {
        code: "ID",
        weight: 12.0,
        cities: &[("Jakarta", 80.0), ("Surabaya", 20.0)],
        tlds: &[".co.id", ".id", ".com"],
        legal: &["PT "],
        phones: &["+62 812 xxxx xxxx", "+62 813 xxxx xxxx"],
    },
    Country {
        code: "MY",
        weight: 12.0,
        cities: &[("Kuala Lumpur", 80.0), ("Penang", 20.0)],
        tlds: &[".com.my", ".my"],
        legal: &["Sdn. Bhd."],
        phones: &["+60 12 xxx xxxx", "+60 17 xxx xxxx"],
    },
    Country {
        code: "US",
        weight: 7.0,
        cities: &[
            ("San Francisco", 30.0),
            ("New York", 30.0),
            ("Seattle", 20.0),
            ("Austin", 20.0),
        ],
        tlds: &[".com", ".io"],
        legal: &["Inc.", "LLC"],
        phones: &["+1 415 xxx xxxx", "+1 212 xxx xxxx"],
    },
    Country {
        code: "JP",
        weight: 5.0,
        cities: &[("Tokyo", 70.0), ("Osaka", 30.0)],
        tlds: &[".co.jp", ".jp"],
        legal: &["K.K.", "Co., Ltd."],
        phones: &["+81 90 xxxx xxxx", "+81 80 xxxx xxxx"],
    },
];

/// Vietnamese family names with their frequency: ((display, ASCII), weight).
pub(super) const VN_FAMILY: &[((&str, &str), f64)] = &[
    (("Nguyễn", "nguyen"), 38.0),
    (("Trần", "tran"), 11.0),
    (("Lê", "le"), 9.0),
    (("Phạm", "pham"), 7.0),
    (("Hoàng", "hoang"), 5.0),
    (("Huỳnh", "huynh"), 4.0),
    (("Phan", "phan"), 4.0),
    (("Vũ", "vu"), 4.0),
    (("Võ", "vo"), 3.0),
    (("Đặng", "dang"), 2.0),
    (("Bùi", "bui"), 2.0),
    (("Đỗ", "do"), 2.0),
    (("Hồ", "ho"), 2.0),
    (("Ngô", "ngo"), 2.0),
    (("Dương", "duong"), 1.0),
    (("Lý", "ly"), 1.0),
    (("Trịnh", "trinh"), 1.0),
    (("Đinh", "dinh"), 1.0),
];

/// Middle names of men: (display, ASCII).
pub(super) const VN_MIDDLE_M: &[(&str, &str)] = &[
    ("Văn", "van"),
    ("Hữu", "huu"),
    ("Đức", "duc"),
    ("Minh", "minh"),
    ("Quang", "quang"),
    ("Thành", "thanh"),
    ("Công", "cong"),
    ("Anh", "anh"),
    ("Tuấn", "tuan"),
    ("Gia", "gia"),
];

/// Middle names of women: (display, ASCII).
pub(super) const VN_MIDDLE_F: &[(&str, &str)] = &[
    ("Thị", "thi"),
    ("Thị", "thi"),
    ("Ngọc", "ngoc"),
    ("Thu", "thu"),
    ("Thanh", "thanh"),
    ("Minh", "minh"),
    ("Phương", "phuong"),
    ("Bảo", "bao"),
    ("Mai", "mai"),
    ("Kim", "kim"),
];

/// Given names of men: (display, ASCII).
pub(super) const VN_GIVEN_M: &[(&str, &str)] = &[
    ("Hùng", "hung"),
    ("Dũng", "dung"),
    ("Tuấn", "tuan"),
    ("Minh", "minh"),
    ("Nam", "nam"),
    ("Long", "long"),
    ("Hải", "hai"),
    ("Phong", "phong"),
    ("Quân", "quan"),
    ("Đạt", "dat"),
    ("Khoa", "khoa"),
    ("Huy", "huy"),
    ("Sơn", "son"),
    ("Thắng", "thang"),
    ("Trung", "trung"),
    ("Bảo", "bao"),
    ("Việt", "viet"),
    ("Hiếu", "hieu"),
    ("Cường", "cuong"),
    ("Tâm", "tam"),
];

/// Given names of women: (display, ASCII).
pub(super) const VN_GIVEN_F: &[(&str, &str)] = &[
    ("Hương", "huong"),
    ("Linh", "linh"),
    ("Lan", "lan"),
    ("Trang", "trang"),
    ("Hà", "ha"),
    ("Ngọc", "ngoc"),
    ("Thảo", "thao"),
    ("Mai", "mai"),
    ("Anh", "anh"),
    ("Phương", "phuong"),
    ("Hạnh", "hanh"),
    ("Vy", "vy"),
    ("Nhung", "nhung"),
    ("Yến", "yen"),
    ("Hằng", "hang"),
    ("Thủy", "thuy"),
    ("Quỳnh", "quynh"),
    ("Trâm", "tram"),
    ("Uyên", "uyen"),
    ("Nga", "nga"),
];

/// English first names (also used by Vietnamese who go by one).
pub(super) const EN_FIRST: &[(&str, &str)] = &[
    ("David", "david"),
    ("Michael", "michael"),
    ("Sarah", "sarah"),
    ("Emily", "emily"),
    ("James", "james"),
    ("Jessica", "jessica"),
    ("Daniel", "daniel"),
    ("Anna", "anna"),
    ("Kevin", "kevin"),
    ("Linda", "linda"),
    ("Peter", "peter"),
    ("Grace", "grace"),
    ("Tom", "tom"),
    ("Rachel", "rachel"),
    ("Alex", "alex"),
    ("Sophie", "sophie"),
    ("Ryan", "ryan"),
    ("Vivian", "vivian"),
    ("Jason", "jason"),
    ("Tiffany", "tiffany"),
];

/// Family names for leads outside Vietnam.
pub(super) const EN_LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Tan",
    "Lim",
    "Lee",
    "Wong",
    "Brown",
    "Wilson",
    "Chen",
    "Sato",
    "Tanaka",
    "Suzuki",
    "Wongsakul",
    "Santoso",
    "Rahman",
    "Ng",
    "Goh",
    "Kumar",
    "Garcia",
    "Ito",
];

/// Job titles: (title, seniority, department, weight).
pub(super) const TITLES: &[(&str, &str, Option<&str>, f64)] = &[
    ("CEO", "c-level", None, 4.0),
    ("Giám đốc điều hành", "c-level", Some("operations"), 2.0),
    ("Founder", "c-level", None, 2.0),
    ("CTO", "c-level", Some("it"), 2.0),
    ("CFO", "c-level", Some("finance"), 1.0),
    ("VP Sales", "vp", Some("sales"), 1.5),
    ("VP Marketing", "vp", Some("marketing"), 1.0),
    ("Phó giám đốc", "vp", Some("operations"), 2.0),
    ("Giám đốc kinh doanh", "director", Some("sales"), 4.0),
    ("Sales Director", "director", Some("sales"), 2.0),
    ("Marketing Director", "director", Some("marketing"), 2.0),
    ("IT Director", "director", Some("it"), 2.0),
    ("HR Director", "director", Some("hr"), 1.0),
    ("Marketing Manager", "manager", Some("marketing"), 6.0),
    ("Sales Manager", "manager", Some("sales"), 6.0),
    ("Trưởng phòng IT", "manager", Some("it"), 3.0),
    ("Trưởng phòng nhân sự", "manager", Some("hr"), 2.0),
    ("Kế toán trưởng", "manager", Some("finance"), 2.0),
    ("Operations Manager", "manager", Some("operations"), 3.0),
    ("Sales Executive", "individual", Some("sales"), 8.0),
    ("Nhân viên kinh doanh", "individual", Some("sales"), 8.0),
    ("Marketing Executive", "individual", Some("marketing"), 6.0),
    (
        "Chuyên viên marketing",
        "individual",
        Some("marketing"),
        4.0,
    ),
    ("Developer", "individual", Some("it"), 5.0),
    ("Kế toán", "individual", Some("finance"), 3.0),
    ("Chuyên viên nhân sự", "individual", Some("hr"), 2.0),
    ("Customer Support", "individual", Some("operations"), 2.0),
    ("Student", "student", None, 4.0),
    ("Sinh viên", "student", None, 3.0),
    ("Intern", "student", Some("marketing"), 3.0),
];

/// Free web-mail domains and their share.
pub(super) const FREE_MAIL: &[(&str, f64)] = &[
    ("gmail.com", 70.0),
    ("yahoo.com.vn", 7.0),
    ("yahoo.com", 5.0),
    ("outlook.com", 8.0),
    ("hotmail.com", 5.0),
    ("icloud.com", 5.0),
];

/// Shared mailboxes people fill in forms with.
pub(super) const ROLE_MAILBOXES: &[&str] = &[
    "info",
    "sales",
    "contact",
    "admin",
    "lienhe",
    "marketing",
    "hr",
];

/// Throw-away mailbox providers.
pub(super) const DISPOSABLE_MAIL: &[&str] = &[
    "mailinator.com",
    "yopmail.com",
    "guerrillamail.com",
    "10minutemail.com",
    "trashmail.com",
];

/// Stated buying timelines.
pub(super) const TIMELINES: &[&str] = &[
    "now",
    "this quarter",
    "next quarter",
    "next year",
    "no plans",
];

/// Free-text needs from forms.
pub(super) const NEEDS: &[&str] = &[
    "replace spreadsheets",
    "CRM for sales team",
    "quản lý khách hàng",
    "automate email marketing",
    "lead scoring",
    "integrate with Zalo OA",
    "sales pipeline reporting",
    "customer support ticketing",
    "just researching",
    "tìm hiểu giải pháp CRM",
];

/// What students write as their need.
pub(super) const STUDENT_NEEDS: &[&str] = &["thesis research", "học tập", "looking for internship"];

/// Lead sources and their share.
pub(super) const LEAD_SOURCES: &[(&str, f64)] = &[
    ("google_ads", 25.0),
    ("facebook", 20.0),
    ("organic", 20.0),
    ("referral", 10.0),
    ("webinar", 7.0),
    ("event", 8.0),
    ("zalo", 10.0),
];

/// CRM statuses of the few leads sales has touched.
pub(super) const SALES_STATUSES: &[&str] = &["new", "contacted", "nurturing", "unresponsive"];

/// A page of the marketing site.
pub(super) struct Page {
    /// Path, as stored in the `path` property.
    pub path: &'static str,
    /// Full URL.
    pub url: &'static str,
    /// Document title.
    pub title: &'static str,
}

macro_rules! page {
    ($path:literal, $title:literal) => {
        Page {
            path: $path,
            url: concat!(site!(), $path),
            title: $title,
        }
    };
}

/// Kinds of pages; lead intent shifts the mix between them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum PageClass {
    Home,
    Blog,
    Pricing,
    Product,
    Docs,
    Careers,
    Contact,
    Demo,
}

/// Number of [`PageClass`] variants.
pub(super) const PAGE_CLASSES: usize = 8;

/// The variants of [`PageClass`] by index, matching [`PAGES`].
pub(super) const PAGE_CLASS_ORDER: [PageClass; PAGE_CLASSES] = [
    PageClass::Home,
    PageClass::Blog,
    PageClass::Pricing,
    PageClass::Product,
    PageClass::Docs,
    PageClass::Careers,
    PageClass::Contact,
    PageClass::Demo,
];

/// The English pricing page; [`PRICING_VI`] is its Vietnamese twin.
pub(super) const PRICING_EN: Page = page!("/pricing", "Pricing | LeadScore");
/// The Vietnamese pricing page.
pub(super) const PRICING_VI: Page = page!("/vi/bang-gia", "Bảng giá | LeadScore");

/// Pages of each class, in [`PAGE_CLASS_ORDER`].
pub(super) const PAGES: [&[Page]; PAGE_CLASSES] = [
    &[page!("/", "LeadScore – Chấm điểm khách hàng tiềm năng")],
    &[
        page!("/blog/lead-scoring-la-gi", "Lead scoring là gì?"),
        page!("/blog/crm-cho-doanh-nghiep-nho", "CRM cho doanh nghiệp nhỏ"),
        page!("/blog/zalo-oa-marketing", "Marketing qua Zalo OA"),
        page!("/blog/email-marketing-tips", "10 email marketing tips"),
        page!("/blog/sales-pipeline-101", "Sales pipeline 101"),
        page!("/blog/chuyen-doi-so-2026", "Chuyển đổi số 2026"),
        page!("/blog/customer-journey", "Mapping the customer journey"),
        page!("/blog/y-tuong-chien-dich-tet", "Ý tưởng chiến dịch Tết"),
    ],
    &[PRICING_EN, PRICING_VI],
    &[
        page!("/product/crm", "CRM | LeadScore"),
        page!("/product/analytics", "Analytics | LeadScore"),
    ],
    &[
        page!("/docs/getting-started", "Getting started | Docs"),
        page!("/docs/api", "API reference | Docs"),
        page!("/docs/integrations/zalo", "Zalo integration | Docs"),
        page!("/docs/import-csv", "Import from CSV | Docs"),
    ],
    &[page!("/careers", "Tuyển dụng | LeadScore")],
    &[page!("/contact", "Liên hệ | LeadScore")],
    &[page!("/demo", "Đặt lịch demo | LeadScore")],
];

/// External referrers of a session's first page; `None` is direct traffic.
pub(super) const REFERRERS: &[(Option<&str>, f64)] = &[
    (Some("https://www.google.com/"), 40.0),
    (Some("https://www.facebook.com/"), 15.0),
    (Some("https://coccoc.com/"), 5.0),
    (Some("https://zalo.me/"), 10.0),
    (Some("https://www.linkedin.com/"), 5.0),
    (None, 25.0),
];

/// UTM sources seen in `context.campaign.source`.
pub(super) const UTM_SOURCES: &[&str] = &["google", "facebook", "zalo", "newsletter", "linkedin"];

/// Marketing campaigns (e-mail and ads).
pub(super) const CAMPAIGNS: &[&str] = &[
    "newsletter-weekly",
    "webinar-oct",
    "black-friday-2026",
    "tet-2027",
    "mid-autumn-2026",
    "product-launch-q3",
    "retargeting-pricing",
];

/// Links in e-mails; the click lands on the page with the same index in
/// [`EMAIL_LINK_PAGES`].
pub(super) const EMAIL_LINKS: &[&str] = &[
    concat!(site!(), "/pricing?utm_source=email"),
    concat!(site!(), "/blog/lead-scoring-la-gi?utm_source=email"),
    concat!(site!(), "/demo?utm_source=email"),
    concat!(site!(), "/product/crm?utm_source=email"),
];

/// Landing pages of [`EMAIL_LINKS`]: (class, index within the class).
pub(super) const EMAIL_LINK_PAGES: &[(PageClass, usize)] = &[
    (PageClass::Pricing, 0),
    (PageClass::Blog, 0),
    (PageClass::Demo, 0),
    (PageClass::Product, 0),
];

/// Forms on the site.
pub(super) const FORMS: [&str; 4] = ["demo", "trial", "contact", "newsletter"];

/// Downloadable assets: (category, title).
pub(super) const ASSETS: &[(&str, &str)] = &[
    ("whitepaper", "State of B2B sales in Vietnam 2026"),
    ("whitepaper", "Lead scoring playbook"),
    ("case-study", "Minh Phát tăng 30% doanh số"),
    ("case-study", "Saigon Logistics goes data-driven"),
    ("ebook", "Ebook: Marketing qua Zalo"),
    ("ebook", "Ebook: Email automation"),
    ("price-list", "Bảng giá 2026"),
];

/// Index of the first price list in [`ASSETS`]; intent drives those.
pub(super) const PRICE_LIST_ASSET: usize = 6;

/// Webinar titles.
pub(super) const WEBINARS: &[&str] = &[
    "Chuyển đổi số cho SME",
    "Lead scoring 101",
    "Zalo OA cho bán hàng",
    "webinar-oct",
    "Data-driven sales",
];

/// Products one can put in the cart: (SKU, USD price).
pub(super) const PRODUCTS: &[(&str, f64)] = &[
    ("LS-STARTER-M", 19.0),
    ("LS-GROWTH-M", 49.0),
    ("LS-PRO-M", 99.0),
    ("LS-STARTER-Y", 190.0),
    ("LS-GROWTH-Y", 490.0),
    ("ADDON-ZALO", 15.0),
];

/// Coupon codes.
pub(super) const COUPONS: &[&str] = &["TET2027", "BLACKFRIDAY", "WELCOME10", "WEBINAR20"];

/// Survey names.
pub(super) const SURVEYS: &[&str] = &["nps-2026-q3", "onboarding", "product-feedback"];
