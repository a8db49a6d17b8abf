SELECT count(*) AS count_1 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.lead_status_id IS NOT NULL AND persons.lead_status_id IN (?, ?) AND NOT (companies.category_id IS NOT NULL AND companies.category_id IN (?)) AND persons.owner_id IS NOT NULL AND persons.owner_id = ?

-- parameters:
-- param_1_1 = 1
-- param_1_2 = 2
-- param_2_1 = 5
-- param_3 = 3
