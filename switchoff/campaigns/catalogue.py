"""The catalogue a new campaign starts with: what the letter names. The coordinator edits it."""

from __future__ import annotations

# code, name, name in English
MEDIA = [
    ("loudspeaker", "Hệ thống loa truyền thanh cơ sở", "Local loudspeaker system"),
    ("website", "Trang thông tin điện tử", "Official website"),
    ("press", "Báo, đài phát thanh - truyền hình", "Newspapers, radio and television"),
    ("social", "Mạng xã hội (Zalo, Facebook…)", "Social networks (Zalo, Facebook…)"),
    ("sms", "Tin nhắn SMS", "SMS"),
    ("direct", "Trực tiếp", "In person"),
    ("print", "Ấn phẩm in (băng rôn, tờ rơi, áp phích)", "Printed material (banners, leaflets, posters)"),
    ("other", "Khác", "Other"),
]

# code, name, name in English, unit of count, unit of count in English, media codes
FORMS = [
    (
        "loudspeaker",
        "Phát thanh trên loa truyền thanh cơ sở",
        "Broadcasts on the local loudspeakers",
        "lượt phát",
        "broadcasts",
        ["loudspeaker"],
    ),
    (
        "website_article",
        "Bài viết trên trang thông tin điện tử",
        "Articles on the official website",
        "bài",
        "articles",
        ["website"],
    ),
    ("news_report", "Phóng sự, tin bài", "News reports and stories", "tin, bài", "reports", ["press", "website"]),
    (
        "banner",
        "Băng rôn, phướn, banner, pano, áp phích",
        "Banners, streamers, billboards and posters",
        "cái",
        "pieces",
        ["print"],
    ),
    ("sms", "Tin nhắn gửi thuê bao", "Text messages to subscribers", "tin nhắn", "messages", ["sms"]),
    ("social_post", "Bài đăng trên mạng xã hội", "Posts on social networks", "bài đăng", "posts", ["social"]),
    ("meeting", "Hội nghị, họp dân", "Conferences and village meetings", "buổi", "sessions", ["direct"]),
    ("leaflet", "Tờ rơi", "Leaflets", "tờ", "leaflets", ["print"]),
    ("home_visit", "Tuyên truyền trực tiếp tại nhà", "Home visits", "lượt hộ", "households", ["direct"]),
    # Counted from the records themselves (programmes' deliveries, shops' inspections), never typed.
    (
        "support_delivery",
        "Hỗ trợ điện thoại 4G, gói cước (chương trình hỗ trợ)",
        "Support given: 4G phones and tariffs (programmes)",
        "suất",
        "deliveries",
        ["direct"],
    ),
    (
        "shop_informed",
        "Thông báo cửa hàng kinh doanh điện thoại",
        "Phone shops informed",
        "cửa hàng",
        "shops",
        ["direct"],
    ),
    (
        "shop_inspection",
        "Kiểm tra cửa hàng kinh doanh điện thoại",
        "Phone shop inspections",
        "lượt kiểm tra",
        "inspections",
        ["direct"],
    ),
    ("other", "Hình thức khác", "Other forms", "lượt", "times", ["other"]),
]

# Forms whose figure the system counts from its own records, never typed by a unit (the page's form,
# the grid, the activity sheet and the API refuse them; the report still shows them): by code, what counts.
COUNTED_BY_SYSTEM = {
    "support_delivery": "delivery",  # a programme's delivery (switchoff/programmes/reporting.py)
    "shop_informed": "inspection",  # a shop inspection where the shop was told (switchoff/shops/)
    "shop_inspection": "inspection",  # any shop inspection
    "banner": "banner",  # a banner placement (switchoff/banners/)
}

# English writes "1 broadcast" but "2 broadcasts": the singular of each form's unit of count, by code.
COUNT_UNIT_EN_ONE = {
    "loudspeaker": "broadcast",
    "website_article": "article",
    "news_report": "report",
    "banner": "piece",
    "sms": "message",
    "social_post": "post",
    "meeting": "session",
    "leaflet": "leaflet",
    "home_visit": "household",
    "support_delivery": "delivery",
    "shop_informed": "shop",
    "shop_inspection": "inspection",
    "other": "time",
}

# Other names units write in their own sheets, matched on folded words; the coordinator edits them.
# ("form" or "medium", the code of the form or medium, the name as written)
SYNONYMS = [
    ("form", "loudspeaker", "Phát thanh loa"),
    ("form", "loudspeaker", "Loa truyền thanh"),
    ("form", "loudspeaker", "Phát thanh"),
    ("form", "loudspeaker", "Tuyên truyền trên loa"),
    ("form", "loudspeaker", "Đài truyền thanh"),
    ("form", "banner", "Băng rôn"),
    ("form", "banner", "Băng zôn"),
    ("form", "banner", "Pano"),
    ("form", "banner", "Áp phích"),
    ("form", "meeting", "Họp dân"),
    ("form", "meeting", "Hội nghị"),
    ("form", "sms", "Tin nhắn"),
    ("form", "sms", "SMS"),
    ("form", "social_post", "Zalo"),
    ("form", "social_post", "Facebook"),
    ("form", "home_visit", "Đến từng hộ"),
    ("form", "home_visit", "Tuyên truyền tại nhà"),
    ("form", "website_article", "Bài viết trên cổng thông tin"),
    ("medium", "loudspeaker", "Loa truyền thanh"),
    ("medium", "loudspeaker", "Loa"),
    ("medium", "loudspeaker", "Đài truyền thanh"),
    ("medium", "website", "Website"),
    ("medium", "website", "Cổng thông tin điện tử"),
    ("medium", "social", "Zalo"),
    ("medium", "social", "Facebook"),
    ("medium", "print", "Băng rôn"),
    ("medium", "direct", "Trực tiếp tại nhà"),
]
