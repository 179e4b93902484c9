{#
    values_valid_for_census_year: fails with every row whose `column_name` is not a code of
    `code_list` valid in the row's census year, looked up in the ref_codes seed (a code is
    valid in census year Y if a row of that list has first_census_year <= Y <=
    last_census_year; the code a legacy value of year Y is recoded to is valid in Y too).
    Legacy values (is_legacy) are not valid unless `allow_legacy: true`: staging should
    have recoded them. NULLs pass. The failing row carries the value, the
    year and `failure_reason`, which also says when the code is valid in other years (e.g.
    RC9 before 2023).
#}
{% test values_valid_for_census_year(
    model, column_name, code_list, census_year_column='census_year', allow_legacy=false
) %}
    {{ dq_values_valid_for_census_year(model, column_name, code_list, census_year_column, allow_legacy) }}
{% endtest %}
