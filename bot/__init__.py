"""scopegate: gate pull requests on scope discipline and rework."""
