package report

// HouseholdYear lets the tests read a household's year as HouseholdIncome
// does, without settling the rollups first.
var HouseholdYear = householdYear
