SELECT matches.value, matches.hidden, count(*) AS count 
FROM (SELECT companies.owner_id AS value, ? AS hidden 
FROM companies 
WHERE companies.registered >= ? AND companies.registered < ?) AS matches GROUP BY matches.value, matches.hidden

-- parameters:
-- param_1 = 0
-- registered_1 = datetime.datetime(2025, 11, 28, 0, 0, tzinfo=datetime.timezone.utc)
-- registered_2 = datetime.datetime(2026, 11, 28, 0, 0, tzinfo=datetime.timezone.utc)
