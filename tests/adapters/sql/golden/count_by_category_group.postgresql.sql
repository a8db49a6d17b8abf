SELECT matches.value, matches.hidden, count(*) AS count 
FROM (SELECT CASE WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_1_1)s::BIGINT)) THEN %(param_2)s::INTEGER WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_3_1)s::BIGINT, %(param_3_2)s::BIGINT, %(param_3_3)s::BIGINT, %(param_3_4)s::BIGINT)) THEN %(param_4)s::INTEGER WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_5_1)s::BIGINT)) THEN %(param_6)s::INTEGER WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_7_1)s::BIGINT)) THEN %(param_8)s::INTEGER WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_9_1)s::BIGINT, %(param_9_2)s::BIGINT, %(param_9_3)s::BIGINT)) THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END AS value, 0 AS hidden 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE NOT (companies.owner_id IS NOT NULL AND companies.owner_id = %(param_12)s::BIGINT)) AS matches GROUP BY matches.value, matches.hidden

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
