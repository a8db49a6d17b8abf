SELECT persons.id, persons.company_id, persons.first_name, persons.last_name, persons.registered, persons.updated, persons.email, persons.owner_id, persons.lead_status_id, persons.own_category_id, persons.first_touch_utm, persons.first_touch_utm_source, persons.first_touch_utm_medium, persons.first_touch_utm_campaign, persons.first_touch_utm_term, persons.first_touch_utm_content, persons.lead_creation_utm, persons.lead_creation_utm_source, persons.lead_creation_utm_medium, persons.lead_creation_utm_campaign, persons.lead_creation_utm_term, persons.lead_creation_utm_content, persons.retired, persons.version, persons.status_changed 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE 1 = 1 ORDER BY CASE WHEN (persons.lead_status_id IS NULL) THEN NULL ELSE coalesce((SELECT lead_statuses.rank 
FROM lead_statuses 
WHERE lead_statuses.id = persons.lead_status_id), ?) END DESC NULLS LAST, persons.lead_status_id DESC NULLS LAST, CASE WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END = ?) THEN ? WHEN (CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END IS NULL) THEN NULL ELSE ? END ASC NULLS LAST, CASE WHEN (persons.company_id IS NULL) THEN persons.own_category_id ELSE companies.category_id END ASC NULLS LAST, CASE WHEN (companies.category_id IN (?)) THEN ? WHEN (companies.category_id IN (?, ?, ?, ?)) THEN ? WHEN (companies.category_id IN (?)) THEN ? WHEN (companies.category_id IN (?)) THEN ? WHEN (companies.category_id IN (?, ?, ?)) THEN ? ELSE ? END ASC NULLS LAST, persons.id

-- parameters:
-- coalesce_1 = 4611686018427387904
-- param_1 = 1
-- param_10 = 5
-- param_11 = 6
-- param_12 = 6
-- param_13 = 7
-- param_14 = 7
-- param_15 = 8
-- param_16 = 8
-- param_17 = 9
-- param_18 = 9
-- param_19 = 10
-- param_2 = 1
-- param_20 = 10
-- param_21 = 4611686018427387904
-- param_22_1 = 5
-- param_23 = 1
-- param_24_1 = 1
-- param_24_2 = 2
-- param_24_3 = 3
-- param_24_4 = 6
-- param_25 = 2
-- param_26_1 = 7
-- param_27 = 3
-- param_28_1 = 4
-- param_29 = 4
-- param_3 = 2
-- param_30_1 = 8
-- param_30_2 = 9
-- param_30_3 = 10
-- param_31 = 5
-- param_32 = None
-- param_4 = 2
-- param_5 = 3
-- param_6 = 3
-- param_7 = 4
-- param_8 = 4
-- param_9 = 5
