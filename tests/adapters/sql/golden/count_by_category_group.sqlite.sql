SELECT matches.value, matches.hidden, count(*) AS count 
FROM (SELECT CASE WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?)) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?, ?, ?, ?)) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?)) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?)) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?, ?, ?)) THEN ? ELSE ? END AS value, 0 AS hidden 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE NOT (companies.owner_id IS NOT NULL AND companies.owner_id = ?)) AS matches GROUP BY matches.value, matches.hidden

-- parameters:
-- param_10 = 5
-- param_11 = None
-- param_12 = 3
-- param_1_1 = 5
-- param_2 = 1
-- param_3_1 = 1
-- param_3_2 = 2
-- param_3_3 = 3
-- param_3_4 = 6
-- param_4 = 2
-- param_5_1 = 7
-- param_6 = 3
-- param_7_1 = 4
-- param_8 = 4
-- param_9_1 = 8
-- param_9_2 = 9
-- param_9_3 = 10
