"""Server-rendered pages: the public vacancy page with its apply form, the employee share
page and the HR dashboard. Jinja2 templates, one stylesheet, no script a page needs."""
