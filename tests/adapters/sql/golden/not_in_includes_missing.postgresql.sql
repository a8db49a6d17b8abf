SELECT persons.id, persons.company_id, persons.first_name, persons.last_name, persons.registered, persons.updated, persons.email, persons.owner_id, persons.lead_status_id, persons.own_category_id, persons.first_touch_utm, persons.first_touch_utm_source, persons.first_touch_utm_medium, persons.first_touch_utm_campaign, persons.first_touch_utm_term, persons.first_touch_utm_content, persons.lead_creation_utm, persons.lead_creation_utm_source, persons.lead_creation_utm_medium, persons.lead_creation_utm_campaign, persons.lead_creation_utm_term, persons.lead_creation_utm_content, persons.retired, persons.version, persons.status_changed 
FROM persons 
WHERE NOT (persons.owner_id IS NOT NULL AND persons.owner_id IN (%(param_1_1)s::BIGINT, %(param_1_2)s::BIGINT)) ORDER BY persons.id

-- parameters:
-- param_1_1 = 1
-- param_1_2 = 2
