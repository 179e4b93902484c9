{{ config(tags=['reconstruction']) }}

-- Row conservation of the rebuild: every conformed episode-year record and every conformed
-- plan record is in an episode (a plan) or carries a named exclusion reason, and the
-- linked models hold exactly one row per conformed record; every conformed assessment and
-- s47 record (XML) is in an assessment (enquiry) of its episode, with its start date, or
-- its referral record carries a named exclusion reason. Any row returned is a record lost
-- or invented.
with referral_records as (
    select
        source_file,
        load_id,
        child_pos,
        cin_details_pos,
        episode_id,
        exclusion_reason
    from {{ ref('int_episode_records_linked') }}
    where source_kind = 'xml'
),

checks as (
    {#- Each conformed record of an entity is linked once, is in a rebuilt row or names an
        exclusion, and its rebuilt row is in the mart. #}
    {%- for entity, conformed, linked, key, mart, rebuilt, placed in [
        ('episode records', 'int_records_conformed__episode_year',
            'int_episode_records_linked', 'episode_id', 'fct_episode', 'an episode',
            'folded into an episode'),
        ('plan records', 'int_records_conformed__cpp_year',
            'int_cpp_records_linked', 'cpp_id', 'fct_cpp', 'a plan',
            'gathered into a plan')
    ] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ entity }}: linked rows differ from conformed rows' as problem,
            (select count(*) from {{ ref(conformed) }})
            - (select count(*) from {{ ref(linked) }}) as rows_affected
        union all
        select
            '{{ entity }}: neither {{ rebuilt }} nor an exclusion reason' as problem,
            count(*) as rows_affected
        from {{ ref(linked) }}
        where ({{ key }} is null) = (exclusion_reason is null)
        union all
        select
            '{{ entity }}: {{ placed }} missing from {{ mart }}' as problem,
            count(*) as rows_affected
        from {{ ref(linked) }} as records
        where
            records.{{ key }} is not null
            and records.{{ key }} not in (
                select rebuilt_rows.{{ key }} from {{ ref(mart) }} as rebuilt_rows
            )
    {%- endfor %}
    {#- Each XML activity record sits in its episode's rebuilt activity (same start date)
        or its referral record names an exclusion. #}
    {%- for label, records, rebuilt, start_column in [
        ('assessment records: in no assessment', 'int_records_conformed__assessment',
            'fct_assessment', 'assessment_start_date'),
        ('s47 records: in no s47 enquiry', 'int_records_conformed__s47',
            'fct_s47', 's47_start_date')
    ] %}
        union all
        select
            '{{ label }}, and no exclusion named' as problem,
            count(*) as rows_affected
        from {{ ref(records) }} as records
        where not exists (
            select 1
            from referral_records
            where
                records.source_file = referral_records.source_file
                and records.load_id = referral_records.load_id
                and records.child_pos = referral_records.child_pos
                and records.cin_details_pos = referral_records.cin_details_pos
                and (
                    referral_records.exclusion_reason is not null
                    or exists (
                        select 1 from {{ ref(rebuilt) }} as activities
                        where
                            referral_records.episode_id = activities.episode_id
                            and records.{{ start_column }}
                            is not distinct from activities.start_date
                    )
                )
        )
    {%- endfor %}
)

select
    problem,
    rows_affected
from checks
where rows_affected <> 0
