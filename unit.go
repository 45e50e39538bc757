package luoshi

// Unit kinds: a department of a government, or a region at one of the three
// levels of GB/T 2260.
const (
	UnitDepartment = "department"
	UnitProvince   = "province"
	UnitCity       = "city"
	UnitCounty     = "county"
)

// Unit is who answers for a commitment or reports progress: a department
// (省交通运输厅) or a region (绵阳市, code 510700).
type Unit struct {
	ID     int64  `json:"id,omitempty"` // store key
	Code   string `json:"code"`         // GB/T 2260 code for regions, "D:" + name for departments
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"` // Code of the parent unit (regions: the region above; departments: the region whose government they belong to)
}

// IsRegion reports whether u is a region rather than a department.
func (u Unit) IsRegion() bool {
	return u.Kind == UnitProvince || u.Kind == UnitCity || u.Kind == UnitCounty
}

// DepartmentCode is the code a department of the region parent is stored under.
func DepartmentCode(name string) string { return "D:" + name }

// UnitFilter selects units; zero fields match everything.
type UnitFilter struct {
	Kind   string
	Parent string
	Under  string // the region with this code and every region below it
}

// RegionLevel returns how deep a unit kind sits in the region hierarchy:
// 1 for a province, 2 for a city, 3 for a county, 0 for a department.
func RegionLevel(kind string) int {
	switch kind {
	case UnitProvince:
		return 1
	case UnitCity:
		return 2
	case UnitCounty:
		return 3
	}
	return 0
}
