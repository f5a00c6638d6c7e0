from tests.conftest import bearer


def test_probe(client, admin):
    out = []
    r = client.post("/v1/taxonomies/esco/normalize", json={"kind": "occupation", "texts": ["!!!", "c++", "ÉÉN", "bibliothecaris"], "top_k": 2}, headers=admin)
    out.append(("norm", r.status_code, r.text[:600]))
    r = client.post("/v1/search/candidates", json={"query": "!!!"}, headers=admin)
    out.append(("search!!!", r.status_code, r.text[:300]))
    c = client.post("/v1/candidates", json={"name": "Only name"}, headers=admin).json()["id"]
    v = client.post("/v1/vacancies", json={"title": "X"}, headers=admin).json()["id"]
    c2 = client.post("/v1/candidates", json={"name": "B", "headline": "Bibliothecaris", "languages": ["nl"], "location": {"country": "NL"}}, headers=admin).json()["id"]
    for p in (f"/v1/vacancies/{v}/matches", f"/v1/candidates/{c}/matches", f"/v1/vacancies/{v}/matches?languages=xx", f"/v1/vacancies/{v}/matches?country=nl", f"/v1/vacancies/{v}/matches?languages=nl&languages=NL", f"/v1/candidates/{c2}/matches?languages=nl", f"/v1/vacancies/{v}/matches?skills=", f"/v1/vacancies/{v}/matches?city="):
        r = client.get(p, headers=admin)
        out.append((p, r.status_code, r.text[:400]))
    r = client.post("/v1/search/candidates", json={"query": "bibliothecaris", "filters": {"languages": ["nl"], "country": "nl"}}, headers=admin)
    out.append(("searchfilters", r.status_code, r.text[:300]))
    r = client.post("/v1/search/candidates", json={"query": "bibliothecaris", "filters": {"skills": ["bibliothecaris"]}}, headers=admin)
    out.append(("searchskills", r.status_code, r.text[:300]))
    for o in out:
        print(o)
    assert False
