SELECT persons.id, persons.company_id, persons.first_name, persons.last_name, persons.registered, persons.updated, persons.email, persons.owner_id, persons.lead_status_id, persons.own_category_id, persons.first_touch_utm, persons.first_touch_utm_source, persons.first_touch_utm_medium, persons.first_touch_utm_campaign, persons.first_touch_utm_term, persons.first_touch_utm_content, persons.lead_creation_utm, persons.lead_creation_utm_source, persons.lead_creation_utm_medium, persons.lead_creation_utm_campaign, persons.lead_creation_utm_term, persons.lead_creation_utm_content, persons.retired, persons.version, persons.status_changed 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.lead_status_id IS NOT NULL AND persons.lead_status_id IN (?, ?) AND NOT (companies.category_id IS NOT NULL AND companies.category_id IN (?)) AND persons.owner_id IS NOT NULL AND persons.owner_id = ? ORDER BY leadcore_casefold(persons.last_name) ASC NULLS LAST, persons.id
 LIMIT ? OFFSET ?

-- parameters:
-- param_1_1 = 1
-- param_1_2 = 2
-- param_2_1 = 5
-- param_3 = 3
-- param_4 = 50
-- param_5 = 100
