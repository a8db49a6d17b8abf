SELECT persons.id, persons.company_id, persons.first_name, persons.last_name, persons.registered, persons.updated, persons.email, persons.owner_id, persons.lead_status_id, persons.own_category_id, persons.first_touch_utm, persons.first_touch_utm_source, persons.first_touch_utm_medium, persons.first_touch_utm_campaign, persons.first_touch_utm_term, persons.first_touch_utm_content, persons.lead_creation_utm, persons.lead_creation_utm_source, persons.lead_creation_utm_medium, persons.lead_creation_utm_campaign, persons.lead_creation_utm_term, persons.lead_creation_utm_content, persons.retired, persons.version, persons.status_changed 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE leadcore_casefold(persons.first_name) LIKE ? ESCAPE '\' OR leadcore_casefold(persons.email) NOT LIKE ? ESCAPE '\' OR companies.name IS NOT NULL AND leadcore_casefold(companies.name) LIKE ? ESCAPE '\' OR leadcore_casefold(persons.last_name) = ? ORDER BY persons.id

-- parameters:
-- param_1 = 'an%n\\_a\\\\%'
-- param_2 = "%o'brien%"
-- param_3 = '%a/s'
-- param_4 = 'strasse'
