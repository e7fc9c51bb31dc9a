"""Field visits (上门催收): planning the day's door visits of the field teams."""
