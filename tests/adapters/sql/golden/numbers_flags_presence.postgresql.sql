SELECT count(*) AS count_1 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.id >= %(param_1)s::BIGINT AND persons.id <= %(param_2)s::BIGINT AND persons.retired IS false AND persons.company_id IS NOT NULL AND CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IS NOT NULL AND CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IN (%(param_3_1)s::BIGINT, %(param_3_2)s::BIGINT, %(param_3_3)s::BIGINT, %(param_3_4)s::BIGINT, %(param_3_5)s::BIGINT, %(param_3_6)s::BIGINT, %(param_3_7)s::BIGINT, %(param_3_8)s::BIGINT, %(param_3_9)s::BIGINT, %(param_3_10)s::BIGINT) AND persons.first_touch_utm_source IS NULL

-- parameters:
-- param_1 = 3
-- param_2 = 10
-- param_3_1 = 1
-- param_3_10 = 10
-- param_3_2 = 2
-- param_3_3 = 3
-- param_3_4 = 4
-- param_3_5 = 5
-- param_3_6 = 6
-- param_3_7 = 7
-- param_3_8 = 8
-- param_3_9 = 9
