SELECT count(*) AS count_1 
FROM persons LEFT OUTER JOIN companies ON persons.company_id = companies.id 
WHERE persons.registered >= %(registered_1)s::TIMESTAMP WITH TIME ZONE AND persons.registered < %(registered_2)s::TIMESTAMP WITH TIME ZONE AND persons.status_changed IS NOT NULL AND persons.status_changed < %(status_changed_1)s::TIMESTAMP WITH TIME ZONE AND companies.registered IS NOT NULL AND companies.registered >= %(registered_3)s::TIMESTAMP WITH TIME ZONE AND companies.registered < %(registered_4)s::TIMESTAMP WITH TIME ZONE

-- parameters:
-- registered_1 = datetime.datetime(2026, 10, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- registered_2 = datetime.datetime(2027, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- registered_3 = datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- registered_4 = datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- status_changed_1 = datetime.datetime(2026, 10, 29, 0, 0, tzinfo=datetime.timezone.utc)
