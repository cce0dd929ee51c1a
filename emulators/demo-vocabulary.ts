// Word lists the demo data is built from.

export const COMPANY_PREFIXES = ['Blue', 'Red', 'Green', 'Silver', 'Golden', 'North', 'South', 'East', 'West', 'Bright', 'Swift', 'Clear', 'Prime', 'Nova', 'Apex', 'Summit', 'Pioneer', 'Quantum', 'Vertex', 'Atlas', 'Cedar', 'Iron', 'Harbor', 'Lunar', 'Solar', 'Crystal', 'Evergreen', 'Granite', 'Maple', 'Falcon'];
export const COMPANY_CORES = ['Data', 'Cloud', 'Logic', 'Works', 'Systems', 'Analytics', 'Robotics', 'Health', 'Energy', 'Foods', 'Logistics', 'Media', 'Finance', 'Security', 'Networks', 'Software', 'Labs', 'Dynamics', 'Ventures', 'Bio', 'Motors', 'Retail', 'Studios', 'Capital', 'Devices', 'Materials', 'Insights', 'Commerce', 'Mobility', 'Learning'];
export const COMPANY_SUFFIXES = ['Inc', 'LLC', 'Ltd', 'GmbH', 'Group', 'Corp', 'Co', 'Partners', 'Holdings', 'SA'];
export const TLDS = ['com', 'com', 'com', 'io', 'co', 'net', 'de', 'co.uk', 'ai', 'org'];
export const FREE_MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'icloud.com'];
export const INDUSTRIES = [
  { hubspot: 'COMPUTER_SOFTWARE', salesforce: 'Technology' },
  { hubspot: 'FINANCIAL_SERVICES', salesforce: 'Finance' },
  { hubspot: 'HOSPITAL_HEALTH_CARE', salesforce: 'Healthcare' },
  { hubspot: 'RETAIL', salesforce: 'Retail' },
  { hubspot: 'TELECOMMUNICATIONS', salesforce: 'Communications' },
  { hubspot: 'MANAGEMENT_CONSULTING', salesforce: 'Consulting' },
  { hubspot: 'LOGISTICS_AND_SUPPLY_CHAIN', salesforce: 'Transportation' },
  { hubspot: 'RENEWABLES_ENVIRONMENT', salesforce: 'Energy' },
  { hubspot: 'BIOTECHNOLOGY', salesforce: 'Biotechnology' },
  { hubspot: 'EDUCATION_MANAGEMENT', salesforce: 'Education' },
  { hubspot: 'MEDIA_PRODUCTION', salesforce: 'Media' },
  { hubspot: 'AUTOMOTIVE', salesforce: 'Manufacturing' },
] as const;
export const CITIES: readonly (readonly [string, string])[] = [
  ['San Francisco', 'United States'], ['New York', 'United States'], ['Austin', 'United States'], ['Boston', 'United States'],
  ['Chicago', 'United States'], ['Seattle', 'United States'], ['Toronto', 'Canada'], ['London', 'United Kingdom'],
  ['Berlin', 'Germany'], ['Munich', 'Germany'], ['Paris', 'France'], ['Amsterdam', 'Netherlands'], ['Stockholm', 'Sweden'],
  ['Dublin', 'Ireland'], ['Zurich', 'Switzerland'], ['Sydney', 'Australia'], ['Singapore', 'Singapore'], ['Tokyo', 'Japan'],
];
export const DEPARTMENTS = ['Sales', 'Marketing', 'Engineering', 'Product', 'Finance', 'Operations', 'Customer Success', 'People', 'IT', 'Procurement'];
export const FIRST_NAMES = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Wei', 'Yuki', 'Aisha', 'Mohammed', 'Priya', 'Raj', 'Olga', 'Lars', 'Ingrid', 'Mateo', 'Sofia', 'Lucas', 'Emma', 'Noah', 'Olivia', 'Liam', 'Ava', 'Hiro', 'Fatima', 'Chen', 'Ana', 'Pierre', 'Amelie', 'Jonas', 'Lena', 'Diego', 'Valentina', 'Omar', 'Zoe', 'Ethan'];
export const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Nguyen', 'Kim', 'Patel', 'Singh', 'Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Dubois', 'Rossi', 'Andersson', 'Johansson', 'Tanaka', 'Sato', 'Wang', 'Li', 'Zhang', 'Kowalski', 'Novak', "O'Brien", 'Murphy', 'Kelly', 'Silva', 'Santos', 'Cohen', 'Levi', 'Ivanov', 'Popescu', 'Jensen', 'Hansen'];
