//! Briefing reports (HTML and Markdown) of the tagged campaigns.
