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
