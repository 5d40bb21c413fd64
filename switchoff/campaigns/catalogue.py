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
    ("other", "Hình thức khác", "Other forms", "lượt", "times", ["other"]),
]
