"""Dynamic groups: conditions over customers' data and activity, compiled to SQL, and RFM."""
