from newswatch.redact import scrub, shown_url, url_secrets


def test_shown_url_hides_userinfo_and_every_query_value():
    assert shown_url("https://u:p4ss@feeds.example/a/rss?apikey=S3CRET&page=2#x") == \
        "https://feeds.example/a/rss?apikey=***&page=***"
    assert shown_url("https://host?TOKENONLY") == "https://host?***"
    assert shown_url("https://feeds.example/rss.xml") == "https://feeds.example/rss.xml"


def test_url_secrets_cover_query_values_raw_and_decoded_and_userinfo():
    secrets = url_secrets("https://reader:pa%2Fss@h.example/hook?token=ab%2Bcd%3D&v=2&key=x+y+z1")
    assert {"ab%2Bcd%3D", "ab+cd=", "pa%2Fss", "pa/ss", "x y z1"} <= set(secrets)
    assert "2" not in secrets                                    # short values are no secret
    assert scrub("echo https://h.example/hook?token=ab+cd= done", secrets) == "echo https://h.example/hook?token=*** done"
