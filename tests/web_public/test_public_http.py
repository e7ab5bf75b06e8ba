"""The public privacy notice page, served from the model."""

from fastapi.testclient import TestClient
from tests.conftest import EXAMPLES

from varuh.web.app import create_app


def test_notice_page_in_both_languages(ledger):
    client = TestClient(create_app(EXAMPLES / "ecpp", ledger))
    sl = client.get("/notice")
    assert sl.status_code == 200 and 'lang="sl"' in sl.text
    assert "PRIMOTEHNA" in sl.text and "Informacijsk" in sl.text and "moove_gdpr_popup" in sl.text
    en = client.get("/notice", params={"lang": "en"})
    assert en.status_code == 200 and "Regulation (EU) 2016/679" in en.text
    assert client.get("/notice", params={"lang": "de"}).status_code == 422
