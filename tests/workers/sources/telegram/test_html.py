"""The t.me/s web-preview parser on the real captures in tests/fixtures/telegram (see SOURCES.tsv there).

Expected values are read off the captures by hand: ids from data-post, dates from <time datetime>,
text from the message_text markup (<br> → new line, the capture's pretty-printing white space
collapsed as a browser shows it), forwarded-from names and links, view counters, media blocks.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workers.sources.telegram.html import (TelegramPageError, parse_count, parse_fragment, parse_page,
                                           rich_text, parse_html)
from workers.sources.telegram.web import clip_title, post_to_item

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "telegram"


def capture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def only_post(name: str):
    page = parse_page(capture(name))
    assert len(page.posts) == 1 and page.skipped == 0
    return page.posts[0]


# id, date (UTC), views, text, forwarded-from (name, link) or None, media kinds
FULL_PAGE = [
    (70989, "2023-02-28 07:47:53", 37200,
     "В Санкт-Петербурге в небо над городом подняли истребители из-за неизвестного объекта в воздухе, "
     "аэропорт Пулково не принимает самолеты, сообщает Baza.\n"
     "Судя по сервису Flightradar, гражданские самолеты не приближаются к Санкт-Петербургу.",
     None, ["photo"]),
    (70990, "2023-02-28 08:09:50", 34500,
     "Власти Петербурга подтвердили, что аэропорт Пулково временно не принимает самолеты.", None, []),
    (70992, "2023-02-28 08:51:58", 33800,
     "Сегодня ночью в Республике Адыгея упал неизвестный летательный аппарат, обломки реактивного двигателя "
     "от которого опубликовал глава региона. Предположительно, обломки принадлежат украинскому БПЛА Ту-141 "
     "или Ту-143.", None, ["photo", "photo", "video"]),
    (70995, "2023-02-28 08:54:50", 33600,
     "План \"Ковер\" отменен, небо над Санкт-Петербургом открывают, сообщает источник РЕН ТВ.", None, []),
    (70996, "2023-02-28 09:06:02", 32900,
     "Информация о том, что подразделения ЧВК «Вагнер» подошли к самолетику в Бахмуте на расстояние 180 "
     "метров (https://t.me/infantmilitario/93419), пока не соответствует действительности. Музыканты уже "
     "близко, но не настолько.\n\n"
     "Кроме этого, в треугольнике между улицами Корсунского и Чайковского украинскими военнослужащими был "
     "создан мощный район обороны с многочисленными дотами в жилых домах, на этажах которых дополнительно "
     "располагаются снайперские группы, расчеты ПТРК и гранатометчики. Прилегающая территория 99,9% "
     "заминирована.\n\n"
     "Но бойцы ЧВК «Вагнер» продолжают наступление, а это значит, что рано или поздно я обязательно сниму их "
     "на фоне стелы с МиГ-17.\n\n@yaremshooter",
     ("Военкор Ярем", "https://t.me/yaremshooter/1066"), []),
    (70997, "2023-02-28 10:00:03", 30300,
     "Минобороны России сообщило, что дежурными силами Западной зоны ответственности за ПВО проведена "
     "тренировка по взаимодействию с гражданскими органами управления воздушным движением.\n\n"
     "Отработаны вопросы обнаружения, перехвата и идентификации предполагаемой цели нарушителя, а также "
     "взаимодействия с экстренными службами. Были задействованы истребители из состава дежурных сил ПВО.",
     None, []),
    (70998, "2023-02-28 10:29:08", 29000,
     "Новые ракетные корабли ВМФ РФ с Калибрами вышли на учения в Балтийское море\n\n"
     "Малые ракетные корабли проектов 22800 \"Каракурт\" и 21631 \"Буян-М\", которые оснащены боекомплектами "
     "крылатых ракет \"Калибр\", вышли на учения в Балтийское море, сообщили в пресс-службе Западного "
     "военного округа.\n\n"
     "\"Ракетные корабли и катера Балтийской военно-морской базы Балтийского флота вышли в море для "
     "проведения учений. В манёврах принимают участие малые ракетные корабли \"Одинцово\", \"Зелёный Дол\", "
     "\"Советск\", ракетный катер \"Димитровград\", — уточнили в пресс-службе.\n\n"
     "В рамках учений экипажам кораблей предстоит выполнить ряд задач по противокорабельной и "
     "противовоздушной обороне, а также разыграть учебный бой с ударными группировками условного противника. "
     "Помимо электронных ракетных пусков перед ними поставили задачу произвести реальные боевые упражнения "
     "комплексами постановки пассивных помех для уклонения от противокорабельных ракет противника.",
     ("БелВПО", "https://t.me/Belarus_VPO/34301"), ["photo"]),
    (70999, "2023-02-28 10:43:08", 28700,
     "Ночью ВСУ предприняли попытку применения беспилотников в Краснодарском крае и Адыгее, подразделениями "
     "радиоэлектронной борьбы БПЛА были подавлены — Минобороны РФ", None, []),
    (71000, "2023-02-28 10:52:36", 28700,
     "Последствия ночного удара БПЛА-камикадзе ВСУ по нефтебазе в Туапсе сегодня ночью.", None, ["photo"] * 6),
    (71006, "2023-02-28 12:48:58", 17200,
     "Кратко по фронту Сватово-Кременная, район Макеевка-балка Журавка. Вчера штурмовой отряд «Чёрная Мамба» "
     "3 мсд при поддержке артиллерии и танков,после тяжёлого боя выбил хохла с очень важной высоты. "
     "Обороняющие высоту хохлы не успели сдаться в плен и умерли.",
     ("Старше Эдды", "https://t.me/vysokygovorit/10899"), ["video"]),
    (71007, "2023-02-28 13:02:00", 16800,
     "Путин – о приоритетах ФСБ в 2023 году: Прежде всего, необходимо продолжить оказывать содействие "
     "Вооруженным силам и Росгвардии в решении задач специальной военной операции, в том числе по "
     "контрразведывательному обеспечению воинских формирований, быстрому обмену оперативно значимой "
     "информацией.\n"
     "Предстоит уделить повышенное внимание становлению органов безопасности в ДНР, ЛНР, Запорожской и "
     "Херсонской областях. Надо укреплять их оперативный и кадровый потенциал, оснащать самой современной "
     "техникой. Обязательно надо работать с людьми и помогать им в сложных ситуациях. Доверие жителей Донбасса "
     "и Новороссии – это наша, ваша надежная, самая главная опора.\n"
     "Под особым контролем пограничной службы ФСБ должен находиться российско-украинский участок "
     "государственной границы. Сейчас там развернута группировка, в которую входят подразделения пограничных "
     "органов, авиации ФСБ, вооруженных сил и Росгвардии. Ваша задача - поставить заслон на пути диверсионных "
     "групп, пресекать попытки незаконного провоза на территорию России оружия и боеприпасов.\n"
     "Необходимо в целом усилить линию контрразведки, ведь западные спецслужбы традиционно, всегда активно "
     "работали против России, а сейчас они бросили против нас дополнительные кадровые, технические и прочие "
     "ресурсы. Нам нужно соответствующим образом на это реагировать.",
     ("Пул N3", "https://t.me/dimsmirnov175/44655"), ["video"]),
    (71008, "2023-02-28 13:14:03", 14900,
     "Подземные тоннели для укрытия и скрытого перемещения иранских средств ПВО были продемонстрированы в ходе "
     "начавшихся учений иранской ПВО Modafean-e-Aseman-e-Velayat 1401.",
     ("ImpNavigator", "https://t.me/ImpNavigator/4580"), ["video"]),
]


def test_full_page_has_its_twelve_posts_in_page_order():
    page = parse_page(capture("full.html"))
    assert [p.id for p in page.posts] == [row[0] for row in FULL_PAGE]
    assert page.skipped == 0
    assert {p.channel for p in page.posts} == {"topwar_official"}
    assert {p.channel_title for p in page.posts} == {"Военное обозрение"}


@pytest.mark.parametrize("row", FULL_PAGE, ids=[str(row[0]) for row in FULL_PAGE])
def test_full_page_post(row):
    post_id, date, views, text, forwarded, media = row
    [post] = [p for p in parse_page(capture("full.html")).posts if p.id == post_id]
    assert post.date == utc(date)
    assert post.text == text
    assert post.views == views
    assert post.permalink == f"https://t.me/topwar_official/{post_id}"
    assert post.forwarded_from == (None if forwarded is None else {"name": forwarded[0], "url": forwarded[1]})
    assert [m["kind"] for m in post.media] == media
    assert post.author is None and post.reply_to is None


def test_full_page_albums_cover_their_message_ids():
    posts = {p.id: p for p in parse_page(capture("full.html")).posts}
    assert posts[70992].album_ids == [70992, 70993, 70994]
    assert posts[70992].last_id == 70994
    assert posts[71000].album_ids == [71000, 71001, 71002, 71003, 71004, 71005]
    assert posts[70990].album_ids == [] and posts[70990].last_id == 70990
    assert posts[70992].media[2] == {"kind": "video", "duration": "0:16", "id": 70994}


def test_full_page_videos_too_big_for_the_preview():
    posts = {p.id: p for p in parse_page(capture("full.html")).posts}
    assert posts[71006].media == [{"kind": "video", "duration": "2:57", "too_big": True}]
    assert posts[71007].media == [{"kind": "video", "duration": "1:41", "too_big": True}]
    assert posts[71008].media == [{"kind": "video", "duration": "0:17"}]


def test_full_page_link_and_link_preview():
    post = {p.id: p for p in parse_page(capture("full.html")).posts}[70996]
    assert post.links == ["https://t.me/infantmilitario/93419", "https://t.me/yaremshooter"]
    assert post.link_preview == {
        "url": "http://t.me/infantmilitario/93419", "site": "Telegram", "title": "Милитарист",
        "description": "Сообщают, что стелу с истребителем МиГ-17ПФ в центре Бахмута и передовые подразделения "
                       "ЧВК «Вагнера» разделяют 180 метров"}


def test_text_post():
    post = only_post("message_text.html")
    assert (post.channel, post.id, post.date, post.views) == ("topwar_official", 70991,
                                                              utc("2023-02-28 08:48:01"), 33400)
    assert post.text == (
        "Неопознанный летающий объект замечен в 160 – 200 км от Петербурга\n\n"
        "По данным «Фонтанки», такую информацию министерство обороны по своим каналам сообщило в службу "
        "аэропорта Пулково. В связи с этим по установленной процедуре петербургский аэропорт пока не принимает "
        "самолёты и не даёт разрешения на взлёт. Какой-либо другой информации Минобороны в гражданские службы "
        "не сообщает.\n\n"
        "Источник, близкий к Смольному, подтвердил, что небо закрыто из-за неопознанного летающего объекта. "
        "В воздух подняты истребители. Читатели «Фонтанки» рассказывают, что услышать их можно даже в центре: "
        "«Звуки как на параде».")
    assert post.media == [] and post.forwarded_from is None


def test_link_preview_post():
    post = only_post("message_link_preview.html")
    assert (post.channel, post.id, post.date, post.views) == ("oper_goblin", 22360,
                                                              utc("2023-02-27 07:33:14"), 226200)
    assert post.text == "https://vnnews.ru/georgiy-zotov-okkupaciya-volosatym-kr/"
    assert post.link_preview == {
        "url": "https://vnnews.ru/georgiy-zotov-okkupaciya-volosatym-kr/", "site": "Ваши новости — интернет-газета",
        "title": "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ",
        "description": "Современная журналистика превратилась в комедию и тщетную охоту за лайками с перепостами "
                       "в попытке обогнать популярные блоги. Выглядит сие довольно жалко…"}
    assert post.channel_title == "Tynu40k Goblina (oper.ru)"


def test_link_preview_text_only_post_decodes_the_link():
    post = only_post("message_link_preview_text_only.html")
    url = "http://publication.pravo.gov.ru/Document/View/0001202302270011?index=7&rangeSize=1"
    assert (post.id, post.date, post.text, post.links) == (22368, utc("2023-02-27 15:08:05"), url, [url])
    assert post.link_preview["site"] == "publication.pravo.gov.ru"
    assert post.link_preview["description"] == ("Распоряжение Президента Российской Федерации от 27.02.2023 "
                                                "№ 59-рп\n\"О поощрении\"")


def test_link_preview_video_post_is_edited_and_its_preview_video_is_not_post_media():
    post = only_post("message_link_preview_video.html")
    assert (post.channel, post.id, post.date) == ("fighter_bomber", 11226, utc("2023-03-01 07:37:02"))
    assert post.text == "Жениться вам, барин, пора! \U0001F601\n\nhttps://t.me/shalnyak/5410"
    assert post.edited is True
    assert post.media == []
    assert post.link_preview["title"] == "Shalnyak"
    assert post.link_preview["description"] == ("Дядь @fighter_bomber глянь!!!\nУ меня такааая разработка\U0001F525\n"
                                                "Для чего пока не знаю, но жути наводит пздц как\U0001F913")


def test_file_post():
    post = only_post("message_media_file.html")
    assert (post.id, post.date, post.views) == (16936, utc("2022-08-03 19:31:10"), 171900)
    assert post.forwarded_from == {"name": "Кремлёвская прачка", "url": "https://t.me/kremlinprachka/20294"}
    assert post.media == [{"kind": "document", "title": "Оппозиционные медиапроекты.pdf", "size": "2.1 MB"}]
    assert post.text == ("Центр изучения новых коммуникаций подготовил исследование: «Оппозиционные проекты, "
                         "запущенные или получившие дополнительное финансирование на фоне СВО»")


def test_forwarded_photo_post():
    post = only_post("message_media_forwarded_from.html")
    assert (post.id, post.date) == (22358, utc("2023-02-27 07:20:50"))
    assert post.forwarded_from == {"name": "Пул N3", "url": "https://t.me/dimsmirnov175/44604"}
    assert post.media == [{"kind": "photo"}]
    assert post.text == "Британская разведка выяснила, почему Ким Чен Ын начал выводить дочку в свет"


def test_photo_and_video_album_post_keeps_hashtags_and_mentions_as_text():
    post = only_post("message_media_photo_and_video.html")
    assert (post.channel, post.id, post.date) == ("anna_news", 46908, utc("2023-02-28 06:48:36"))
    assert post.text == ("Ночью над Белгородом сбили 3 беспилотника\n\nОни упали на улицы города.\n\n"
                         "Сообщается, что на себе БПЛА несли взрывчатку из пластида.\n\n#Белгород #Беспилотники\n\n"
                         "@anna_news")
    assert [m["kind"] for m in post.media] == ["video", "photo", "photo"]
    assert post.album_ids == [46908, 46909, 46910]


def test_round_video_post_has_no_text_of_its_own():
    post = only_post("message_media_round_video.html")
    assert (post.channel, post.id, post.date) == ("bolshiepushki", 3495, utc("2023-03-01 09:35:31"))
    assert post.text == ""
    assert post.media == [{"kind": "round_video", "duration": "0:44"}]


def test_poll_post():
    post = only_post("message_poll.html")
    assert (post.channel, post.id, post.date, post.views) == ("it_begin", 488, utc("2023-02-27 16:21:02"), 1100)
    assert post.media == [{"kind": "poll", "question": "Как лучше?", "type": "Anonymous Poll", "options": [
        {"text": "Несколько постов в день", "percent": "16%"},
        {"text": "Один пост в несколько дней", "percent": "83%"},
        {"text": "Свой вариант в комментарии", "percent": "3%"}]}]


def test_sticker_post_with_signature():
    post = only_post("message_sticker.html")
    assert (post.channel, post.id, post.date) == ("channel", 5, utc("2023-03-01 08:01:50"))
    assert post.media == [{"kind": "sticker"}]
    assert post.author == "\U0001F170\ufe0fUser"
    assert post.channel_title == "Mein Leben"


def test_voice_post_forwarded_from_a_hidden_sender():
    post = only_post("message_voice.html")
    assert (post.id, post.date, post.views) == (939, utc("2018-04-24 15:28:46"), 746)
    assert post.forwarded_from == {"name": "Спортивный Екб", "url": None}
    assert post.media == [{"kind": "voice", "duration": "27:40"}]
    assert post.text == ("Обсудили:\n\n- Сталина не забыть\n- Плохие фильмы\n- Смешные переводы\n"
                         "можно, матерные - нет\n\nСлушайте: @kakberadio\nПишите нам: @kakberadiobot")
    assert post.links == ["https://t.me/kakberadio", "https://t.me/kakberadiobot"]


def test_post_with_author_signature():
    post = only_post("message_with_from_author.html")
    assert (post.channel, post.id, post.date, post.text) == ("channel", 4, utc("2023-02-28 16:38:34"), "test")
    assert post.author == "\U0001F170\ufe0frkadiy Ivanov"
    assert post.permalink == "https://t.me/channel/4"


# --- fragments: one block of a post each ------------------------------------------------------------

@pytest.mark.parametrize("name, media", [
    ("media_photo.html", [{"kind": "photo"}]),
    ("media_video.html", [{"kind": "video", "duration": "0:34"}]),
    ("media_video_gif.html", [{"kind": "gif"}]),
    ("media_video_too_big.html", [{"kind": "video", "duration": "1:09", "too_big": True}]),
    ("media_cicrle_video.html", [{"kind": "round_video", "duration": "0:57"}]),
])
def test_media_fragments(name, media):
    assert parse_fragment(capture(name)).media == media


def test_poll_fragment():
    [poll] = parse_fragment(capture("poll.html")).media
    assert poll["question"] == "Как лучше?"
    assert [o["text"] for o in poll["options"]] == ["Несколько постов в день", "Один пост в несколько дней",
                                                    "Свой вариант в комментарии"]


def test_link_preview_fragments():
    preview = parse_fragment(capture("link_preview.html")).link_preview
    assert (preview["site"], preview["title"]) == ("Ваши новости — интернет-газета",
                                                    "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ")
    video = parse_fragment(capture("link_preview_video.html"))
    assert video.link_preview["url"] == "https://t.me/shalnyak/5410"
    assert video.link_preview["description"].split("\n")[0] == "Дядь @fighter_bomber глянь!!!"
    assert video.media == []                     # the preview's own video is not the post's


def test_fragments_are_no_page():
    for name in ("media_photo.html", "poll.html", "link_preview.html"):
        with pytest.raises(TelegramPageError) as caught:
            parse_page(capture(name))
        assert "layout has changed" in caught.value.reason and not caught.value.no_preview


# --- items -------------------------------------------------------------------------------------------

def test_items_of_the_full_page():
    items = [post_to_item(p, "topwar", "ru") for p in parse_page(capture("full.html")).posts]
    assert [i.url for i in items] == [f"https://t.me/topwar_official/{row[0]}" for row in FULL_PAGE]
    assert [i.guid for i in items] == [i.url for i in items]
    assert [i.published for i in items] == [utc(row[1]) for row in FULL_PAGE]
    assert [i.text for i in items if i.url.endswith(("/70990", "/70999"))] == [FULL_PAGE[1][3], FULL_PAGE[7][3]]
    assert {i.source_id for i in items} == {"topwar"} and {i.lang for i in items} == {"ru"}
    assert len({i.id for i in items}) == 12
    json.dumps([i.extra for i in items])           # extra goes to Redis and JSON lines as it is
    item = items[4]
    assert item.extra["forwarded_from"] == {"name": "Военкор Ярем", "url": "https://t.me/yaremshooter/1066"}
    assert item.extra["views"] == 32900
    assert item.text.endswith("@yaremshooter\n\nМилитарист\nСообщают, что стелу с истребителем МиГ-17ПФ в центре "
                              "Бахмута и передовые подразделения ЧВК «Вагнера» разделяют 180 метров")


def test_item_titles():
    posts = {p.id: p for p in parse_page(capture("full.html")).posts}
    titles = {i: post_to_item(posts[i], "t").title for i in (70990, 70998, 71006, 70989)}
    assert titles[70990] == "Власти Петербурга подтвердили, что аэропорт Пулково временно не принимает самолеты."
    assert titles[70998] == "Новые ракетные корабли ВМФ РФ с Калибрами вышли на учения в Балтийское море"
    assert titles[71006] == "Кратко по фронту Сватово-Кременная, район Макеевка-балка Журавка."  # first sentence
    assert titles[70989].startswith("В Санкт-Петербурге в небо над городом подняли истребители")
    assert titles[70989].endswith("…") and len(titles[70989]) <= 120
    link_only = post_to_item(only_post("message_link_preview.html"), "t")
    assert link_only.title == "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ"


def test_items_of_media_only_posts_say_what_they_are():
    poll = post_to_item(only_post("message_poll.html"), "t")
    assert poll.title == "Poll: Как лучше?"
    assert poll.text == ("Poll: Как лучше?\n- Несколько постов в день (16%)\n- Один пост в несколько дней (83%)\n"
                         "- Свой вариант в комментарии (3%)")
    assert post_to_item(only_post("message_media_round_video.html"), "t").text == "[video message 0:44]"
    sticker = post_to_item(only_post("message_sticker.html"), "t")
    assert (sticker.text, sticker.author, sticker.extra["media"]) == ("[sticker]", "\U0001F170\ufe0fUser", ["sticker"])


def test_clip_title_never_cuts_a_word():
    line = "слово " * 40
    clipped = clip_title(line.strip())
    assert len(clipped) <= 120 and clipped.endswith("слово…")


# --- odd input ----------------------------------------------------------------------------------------

def test_layout_change_and_card_page():
    changed = capture("full.html").replace(b"tgme_widget_message", b"tgme_post").replace(b"tgme_channel_history",
                                                                                          b"tgme_history")
    with pytest.raises(TelegramPageError) as caught:
        parse_page(changed)
    assert not caught.value.no_preview and "layout has changed" in caught.value.reason
    card = b'<html><body><div class="tgme_page_wrap"><div class="tgme_page"><div class="tgme_page_title">' \
           b'<span dir="auto">X</span></div><div class="tgme_page_extra">12 subscribers</div></div></div></body></html>'
    with pytest.raises(TelegramPageError) as caught:
        parse_page(card)
    assert caught.value.no_preview
    for junk in (b"", b"\x00\xff\xfe binary", b"{\"json\": true}"):
        with pytest.raises(TelegramPageError):
            parse_page(junk)


def test_post_without_a_readable_id_is_skipped_and_counted():
    body = capture("full.html").replace(b'data-post="topwar_official/70990"', b'data-post="topwar_official/"')
    page = parse_page(body)
    assert page.skipped == 1 and 70990 not in [p.id for p in page.posts] and len(page.posts) == 11


def test_rich_text_links():
    root = parse_html('<div><a href="https://example.org/a/very/long/pa">https://example.org/a/very/…</a> · '
                      '<a href="https://www.example.org/">example.org</a> · <a href="?q=%23x">#x</a>'
                      '<br/><b>bold</b> <a href="https://example.org/p">words</a><script>x()</script></div>'
                      .encode())
    links: list[str] = []
    assert rich_text(root[0][0], links) == ("https://example.org/a/very/long/pa · example.org · #x\n"
                                            "bold words (https://example.org/p)")
    assert links == ["https://example.org/a/very/long/pa", "https://www.example.org/", "https://example.org/p"]


@pytest.mark.parametrize("raw, count", [("37.2K", 37200), ("1.1K", 1100), ("746", 746), ("1.5M", 1500000),
                                        ("", None), ("views", None), ("nan", None)])
def test_parse_count(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize("markup, text", [
    ("<div>a <div>b</div> <div>c</div> <p> d </p><br> <br> <br> e</div>", "a\nb\nc\nd\n\ne"),
    ("<div>x<br><br><b>y<br/><br/></b>z <br>w</div>", "x\n\ny\n\nz\nw"),
    ("<div>q<br><blockquote>quoted</blockquote>after</div>", "q\nquoted\nafter"),
])
def test_rich_text_line_breaks(markup, text):
    assert rich_text(parse_html(markup.encode())[0][0]) == text
