SELECT count(*) AS count_1 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.lead_status_id IS NOT NULL AND persons.lead_status_id IN (%(param_1_1)s::BIGINT, %(param_1_2)s::BIGINT) AND NOT (companies.category_id IS NOT NULL AND companies.category_id IN (%(param_2_1)s::BIGINT)) AND persons.owner_id IS NOT NULL AND persons.owner_id = %(param_3)s::BIGINT

-- parameters:
-- param_1_1 = 1
-- param_1_2 = 2
-- param_2_1 = 5
-- param_3 = 3
