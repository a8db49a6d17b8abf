SELECT companies.id, companies.name, companies.category_id, companies.registered, companies.updated, companies.owner_id, companies.source_utm, companies.source_utm_source, companies.source_utm_medium, companies.source_utm_campaign, companies.source_utm_term, companies.source_utm_content, companies.version, companies.first_touch_utm, companies.first_touch_utm_source, companies.first_touch_utm_medium, companies.first_touch_utm_campaign, companies.first_touch_utm_term, companies.first_touch_utm_content, companies.lead_creation_utm, companies.lead_creation_utm_source, companies.lead_creation_utm_medium, companies.lead_creation_utm_campaign, companies.lead_creation_utm_term, companies.lead_creation_utm_content 
FROM companies 
WHERE companies.category_id IS NOT NULL AND companies.category_id IN (?, ?) AND leadcore_casefold(companies.name) NOT LIKE ? ESCAPE '\' ORDER BY leadcore_casefold(companies.name) DESC NULLS LAST, companies.id
 LIMIT ? OFFSET ?

-- parameters:
-- param_1_1 = 3
-- param_1_2 = 4
-- param_2 = '%%test%%'
-- param_3 = 25
-- param_4 = 0
