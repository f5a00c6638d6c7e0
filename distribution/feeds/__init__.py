"""An organisation's public job feeds: Indeed-style XML, JSON Feed, RSS 2.0 and a sitemap."""
