"""The catalogue a new campaign starts with: what the letter names. The coordinator edits it."""

from __future__ import annotations

MEDIA = [
    ("loudspeaker", "Hệ thống loa truyền thanh cơ sở"),
    ("website", "Trang thông tin điện tử"),
    ("press", "Báo, đài phát thanh - truyền hình"),
    ("social", "Mạng xã hội (Zalo, Facebook…)"),
    ("sms", "Tin nhắn SMS"),
    ("direct", "Trực tiếp"),
    ("print", "Ấn phẩm in (băng rôn, tờ rơi, áp phích)"),
    ("other", "Khác"),
]

# code, name, unit of count, media codes
FORMS = [
    ("loudspeaker", "Phát thanh trên loa truyền thanh cơ sở", "lượt phát", ["loudspeaker"]),
    ("website_article", "Bài viết trên trang thông tin điện tử", "bài", ["website"]),
    ("news_report", "Phóng sự, tin bài", "tin, bài", ["press", "website"]),
    ("banner", "Băng rôn, phướn, banner, pano, áp phích", "cái", ["print"]),
    ("sms", "Tin nhắn gửi thuê bao", "tin nhắn", ["sms"]),
    ("social_post", "Bài đăng trên mạng xã hội", "bài đăng", ["social"]),
    ("meeting", "Hội nghị, họp dân", "buổi", ["direct"]),
    ("leaflet", "Tờ rơi", "tờ", ["print"]),
    ("home_visit", "Tuyên truyền trực tiếp tại nhà", "lượt hộ", ["direct"]),
    ("other", "Hình thức khác", "lượt", ["other"]),
]
