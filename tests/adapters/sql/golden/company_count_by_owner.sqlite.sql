SELECT companies.owner_id AS value, 0 AS hidden, count(*) AS count_1 
FROM companies 
WHERE companies.registered >= ? AND companies.registered < ? GROUP BY companies.owner_id

-- parameters:
-- registered_1 = datetime.datetime(2025, 11, 28, 0, 0, tzinfo=datetime.timezone.utc)
-- registered_2 = datetime.datetime(2026, 11, 28, 0, 0, tzinfo=datetime.timezone.utc)
