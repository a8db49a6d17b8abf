SELECT matches.value, matches.hidden, count(*) AS count 
FROM (SELECT persons.lead_status_id AS value, CASE WHEN (persons.lead_status_id IS NOT NULL AND NOT (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IS NOT NULL AND CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (?, ?))) THEN ? ELSE ? END AS hidden 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.retired IS 0) AS matches GROUP BY matches.value, matches.hidden

-- parameters:
-- param_1_1 = 1
-- param_1_2 = 2
-- param_2 = 1
-- param_3 = 0
