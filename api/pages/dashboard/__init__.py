"""The HR dashboard: log in with an API key, then vacancies, matches, campaigns and their
funnels in the browser. Every page acts as the key it was opened with."""
